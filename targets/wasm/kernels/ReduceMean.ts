import { shapeSpec } from "../../shared/broadcast.js";
import { normalizeAxis } from "../../shared/data-movement.js";
import type { Ex } from "../binaryen.js";
import { stridesOf } from "./support/strided.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * Mean over the given axes (input 1 folded to const_input_1, or the `axes` attribute of older
 * opsets; none means all, or nothing with noop_with_empty_axes), as the js target computes it: each
 * output sums its group in f64 in the input's flat order, from 0, then divides by the group's size.
 */
const reduceMean: WasmKernelGenerator = (env) => {
  const xs = env.inputShape(0);
  const rank = xs.length;
  const given = env.constInts(1) ?? env.ints("axes", []);
  const axes =
    given.length > 0
      ? given.map((a) => normalizeAxis(env, a, rank, "reduced axis"))
      : env.int("noop_with_empty_axes", 0) === 1
        ? []
        : xs.map((_, k) => k);
  const x = env.input(0);
  const y = env.output(0);
  const strides = stridesOf(env, xs);
  const kept = xs.map((_, k) => k).filter((k) => !axes.includes(k));
  const reduced = xs.map((_, k) => k).filter((k) => axes.includes(k));
  const extents = xs.map((d) => env.dim(d));
  const f = env.fn;
  const m = f.m;
  const count = reduced.length ? env.count(reduced.map((k) => xs[k])) : () => f.i32(1);
  const counters = xs.map(() => f.i32Local());
  const o = f.i32Local();
  const acc = f.f64Local();
  const index = (): Ex => f.add(f.i32(0), ...xs.map((_, k) => m.i32.mul(counters[k].get(), strides[k]())));
  const inner = (r: number): Ex[] => {
    if (r === reduced.length) return [acc.set(m.f64.add(acc.get(), f.loadF(x, index())))];
    const k = reduced[r];
    return [f.for(counters[k], f.i32(0), extents[k], inner(r + 1))];
  };
  const outer = (q: number): Ex[] => {
    if (q === kept.length) {
      return [
        acc.set(f.f64(0)),
        ...inner(0),
        f.storeF(y, o.get(), m.f64.div(acc.get(), m.f64.convert_s.i32(count()))),
        o.set(f.add(o.get(), f.i32(1))),
      ];
    }
    const k = kept[q];
    return [f.for(counters[k], f.i32(0), extents[k], outer(q + 1))];
  };
  return {
    spec: `reduce_mean_${shapeSpec(xs)}_a${[...axes].sort((p, q) => p - q).join("")}`,
    body: [o.set(f.i32(0)), ...outer(0)],
  };
};

export default reduceMean;
