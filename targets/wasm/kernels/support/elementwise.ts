import type { SymShape } from "../../../../compiler/plan/kernel-plan.js";
import { broadcastLoops, shapeSpec } from "../../../shared/broadcast.js";
import type { Ex } from "../../binaryen.js";
import type { Fn, Local, Val } from "../../dsl.js";
import type { F32Routine } from "../../f32-ops.js";
import type { WasmKernelEnv, WasmKernelGenerator } from "../types.js";

/** The element count of a shape. */
export function countOf(env: WasmKernelEnv, s: SymShape): Val {
  return s.length === 0 ? () => env.fn.i32(1) : env.count(s);
}

/**
 * y = f(x) over every element: x promoted to f64, f computed in f64 as the js target computes it,
 * the result rounded to float32 on the store, so values are bit-identical to the js artifacts. Where
 * `routine` writes f out on f32x4 lanes (a float32 routine, the same operations per lane, or a
 * vector form of the double routine whose lanes round to the same float32) and SIMD is there, that
 * form on sixteen elements at a time (four vectors); the last n mod 16 one by one.
 */
export function unaryKernel(
  op: string,
  f64: (env: WasmKernelEnv, v: Ex) => Ex,
  routine?: Pick<F32Routine, "inline">,
): WasmKernelGenerator {
  return (env) => {
    const x = env.input(0);
    const y = env.output(0);
    const n = countOf(env, env.outputShape(0));
    const f = env.fn;
    const m = f.m;
    const i = f.i32Local();
    const vector = routine && env.isa !== "mvp" ? routine : undefined;
    const vs = vector ? Array.from({ length: 4 }, () => f.local(f.b.v128)) : [];
    const sixteen = vector
      ? [
          f.for(
            i,
            f.i32(0),
            () => m.i32.sub(n(), f.i32(15)),
            [
              ...vs.map((v, q) => v.set(m.v128.load(16 * q, 4, f.addr(x, i.get())))),
              ...vector.inline(f, vs, vs),
              ...vs.map((v, q) => m.v128.store(16 * q, 4, f.addr(y, i.get()), v.get())),
            ],
            16,
          ),
        ]
      : [];
    return {
      spec: `${op}_${shapeSpec(env.outputShape(0))}${vector ? "_simd" : ""}`,
      body: [
        ...sixteen,
        f.for(i, vector ? i.get() : f.i32(0), n, [f.storeF(y, i.get(), f64(env, f.loadF(x, i.get())))]),
      ],
    };
  };
}

/** An elementwise binary op in float32 (bit-identical to the js target's double op rounded to float32). */
export interface BinaryOp {
  readonly f32: (f: Fn, a: Ex, b: Ex) => Ex;
  readonly f32x4: (f: Fn, a: Ex, b: Ex) => Ex;
}

/**
 * z = a op b with numpy broadcasting over the inputs' symbolic shapes (the loops of
 * targets/shared/broadcast.ts). With SIMD, the innermost loop runs four lanes at a time where both
 * operands are contiguous or broadcast along it, and finishes the remainder one by one.
 */
export function binaryKernel(name: string, op: BinaryOp): WasmKernelGenerator {
  return (env) => {
    const shapes: SymShape[] = [env.inputShape(0), env.inputShape(1)];
    const out = env.outputShape(0);
    const a = env.input(0);
    const bIn = env.input(1);
    const y = env.output(0);
    const loops = broadcastLoops(env, shapes, out);
    const extents = loops.extents.map((e) => env.count(e));
    const strides = loops.strides.map((per) =>
      per.map((s) => (s === null ? null : s.length === 0 ? () => env.fn.i32(1) : env.count(s))),
    );
    const f = env.fn;
    const m = f.m;
    const counters = extents.map(() => f.i32Local());
    const o = f.i32Local();
    const index = (input: number, inner: Ex | null): Ex => {
      const terms = strides[input].flatMap((s, k) => {
        if (s === null) return [];
        const at = k === extents.length - 1 && inner !== null ? inner : counters[k].get();
        return [m.i32.mul(at, s())];
      });
      return terms.length ? terms.reduce((p, t) => m.i32.add(p, t)) : f.i32(0);
    };
    const scalarAt = (k: Local | null) =>
      f.store(
        y,
        o.get(),
        op.f32(f, f.load(a, index(0, k ? k.get() : null)), f.load(bIn, index(1, k ? k.get() : null))),
      );
    const last = extents.length - 1;
    const vectorized = env.isa !== "mvp" && last >= 0;
    const vectorLoop = (): Ex[] => {
      const inner = counters[last];
      const lane = (input: number, arr: typeof a) => {
        const s = strides[input][last];
        if (s === null) return m.v128.load32_splat(0, 4, f.addr(arr, index(input, inner.get())));
        return m.v128.load(0, 4, f.addr(arr, index(input, inner.get())));
      };
      const limit = f.i32Local();
      const vec = f.label("vec");
      const tail = f.label("tail");
      return [
        limit.set(m.i32.sub(extents[last](), f.i32(3))),
        inner.set(f.i32(0)),
        m.loop(
          vec,
          f.if(m.i32.lt_s(inner.get(), limit.get()), [
            m.v128.store(0, 4, f.addr(y, o.get()), op.f32x4(f, lane(0, a), lane(1, bIn))),
            o.set(m.i32.add(o.get(), f.i32(4))),
            inner.set(m.i32.add(inner.get(), f.i32(4))),
            m.br(vec),
          ]),
        ),
        m.loop(
          tail,
          f.if(m.i32.lt_s(inner.get(), extents[last]()), [
            scalarAt(inner),
            o.set(m.i32.add(o.get(), f.i32(1))),
            inner.set(m.i32.add(inner.get(), f.i32(1))),
            m.br(tail),
          ]),
        ),
      ];
    };
    // A contiguous operand along the innermost loop has stride 1 there: only then is a v128 load right.
    const innerOk = vectorized && loops.strides.every((per) => per[last] === null || per[last]?.length === 0);
    const nest = (k: number): Ex[] => {
      if (k === extents.length) return [scalarAt(null), o.set(m.i32.add(o.get(), f.i32(1)))];
      if (k === last && innerOk) return vectorLoop();
      return [f.for(counters[k], f.i32(0), extents[k], nest(k + 1))];
    };
    return {
      spec: `${name}_${shapeSpec(shapes[0])}_${shapeSpec(shapes[1])}${env.isa === "mvp" ? "" : "_simd"}`,
      body: [o.set(f.i32(0)), ...nest(0)],
    };
  };
}
