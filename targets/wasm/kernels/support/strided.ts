import type { SymShape } from "../../../../compiler/plan/kernel-plan.js";
import type { Ex } from "../../binaryen.js";
import type { Arr, Val } from "../../dsl.js";
import type { WasmKernelEnv } from "../types.js";

/** Row-major element strides of a shape. */
export function stridesOf(env: WasmKernelEnv, s: SymShape): Val[] {
  return s.map((_, k) => (k === s.length - 1 ? () => env.fn.i32(1) : env.count(s.slice(k + 1))));
}

/**
 * Copies a strided view of x into y in y's order: nested loops over `extents` (outermost first),
 * reading x at offset + sum(i_k * strides[k]); elements move as raw 32-bit words.
 */
export function stridedCopy(
  env: WasmKernelEnv,
  view: { x: Arr; y: Arr; extents: readonly Val[]; strides: readonly Val[]; offset: Val },
): Ex[] {
  const f = env.fn;
  const m = f.m;
  const counters = view.extents.map(() => f.i32Local());
  const o = f.i32Local();
  const index = () =>
    counters.reduce((acc, c, k) => m.i32.add(acc, m.i32.mul(c.get(), view.strides[k]())), view.offset());
  const raw = (a: Arr): Arr => ({ elem: a.elem === "f32" ? "i32" : a.elem, base: a.base });
  const nest = (k: number): Ex[] => {
    if (k === view.extents.length) {
      return [f.store(raw(view.y), o.get(), f.load(raw(view.x), index())), o.set(m.i32.add(o.get(), f.i32(1)))];
    }
    return [f.for(counters[k], f.i32(0), view.extents[k], nest(k + 1))];
  };
  return [o.set(f.i32(0)), ...nest(0)];
}
