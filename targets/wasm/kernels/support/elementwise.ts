import type { SymShape } from "../../../../compiler/plan/kernel-plan.js";
import { broadcastLoops, shapeSpec } from "../../../shared/broadcast.js";
import type { Ex } from "../../binaryen.js";
import type { Elem, Fn, Local, Val } from "../../dsl.js";
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
  return broadcastKernel(name, [0, 1], {
    f32: (f, [a, b]) => op.f32(f, a, b),
    f32x4: (f, [a, b]) => op.f32x4(f, a, b),
  });
}

/**
 * y = op(...op(op(x0, x1), x2)...) over every input of the kernel (Max, Min: one to many), with
 * numpy broadcasting, folded left to right as the reference's variadic ops fold.
 */
export function variadicKernel(name: string, pair: BinaryOp): WasmKernelGenerator {
  return (env) => {
    const operands = env.kernel.inputs.map((_, i) => i);
    return broadcastKernel(name, operands, {
      f32: (f, xs) => xs.reduce((acc, x) => pair.f32(f, acc, x)),
      f32x4: (f, xs) => xs.reduce((acc, x) => pair.f32x4(f, acc, x)),
    })(env);
  };
}

/**
 * A formula of the loaded operands, per element and (float32 operands only) per four lanes. Operands
 * and the result are float32 unless `elems` says otherwise: bool values live in u8 arrays as 0 and 1,
 * loaded and stored as i32.
 */
export interface BroadcastOp {
  readonly f32: (f: Fn, operands: readonly Ex[]) => Ex;
  readonly f32x4?: (f: Fn, operands: readonly Ex[]) => Ex;
  readonly elems?: { readonly inputs: readonly Elem[]; readonly output: Elem };
}

/**
 * y = op(operands) with numpy broadcasting of the `operands` inputs to the output's symbolic shape,
 * as binaryKernel (an input's own shape input, as Expand's, is the output's). The name tells the
 * operand shapes apart and, where broadcasting does not fix it (one operand), the output's.
 */
export function broadcastKernel(name: string, operands: readonly number[], op: BroadcastOp): WasmKernelGenerator {
  return (env) => {
    const shapes: SymShape[] = operands.map((i) => env.inputShape(i));
    const out = env.outputShape(0);
    const ins = operands.map((i, k) => env.input(i, op.elems?.inputs[k]));
    const y = env.output(0, op.elems?.output);
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
        op.f32(
          f,
          ins.map((arr, i) => f.load(arr, index(i, k ? k.get() : null))),
        ),
      );
    const last = extents.length - 1;
    const lanes = env.isa !== "mvp" && last >= 0 ? op.f32x4 : undefined;
    const vectorLoop = (four: NonNullable<BroadcastOp["f32x4"]>): Ex[] => {
      const inner = counters[last];
      const lane = (input: number) => {
        const s = strides[input][last];
        const at = f.addr(ins[input], index(input, inner.get()));
        return s === null ? m.v128.load32_splat(0, 4, at) : m.v128.load(0, 4, at);
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
            m.v128.store(
              0,
              4,
              f.addr(y, o.get()),
              four(
                f,
                ins.map((_, i) => lane(i)),
              ),
            ),
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
    const innerOk = loops.strides.every((per) => per[last] === null || per[last]?.length === 0);
    const nest = (k: number): Ex[] => {
      if (k === extents.length) return [scalarAt(null), o.set(m.i32.add(o.get(), f.i32(1)))];
      if (k === last && lanes && innerOk) return vectorLoop(lanes);
      return [f.for(counters[k], f.i32(0), extents[k], nest(k + 1))];
    };
    const shapeNames = [...shapes, ...(operands.length === 1 ? [out] : [])].map(shapeSpec);
    return {
      spec: `${name}_${shapeNames.join("_")}${op.f32x4 && env.isa !== "mvp" ? "_simd" : ""}`,
      body: [o.set(f.i32(0)), ...nest(0)],
    };
  };
}

/** A comparison of two float32 operands (ONNX Greater, Less, Equal, ...): a bool, 1 or 0, per element. */
export function comparisonKernel(name: string, compare: (f: Fn, a: Ex, b: Ex) => Ex): WasmKernelGenerator {
  return broadcastKernel(name, [0, 1], {
    f32: (f, [a, b]) => compare(f, a, b),
    elems: { inputs: ["f32", "f32"], output: "u8" },
  });
}

/** A logical op of bool operands (Not, And, Or, Xor) on their i32 values 0 and 1. */
export function logicalKernel(
  name: string,
  operands: readonly number[],
  op: (f: Fn, xs: readonly Ex[]) => Ex,
): WasmKernelGenerator {
  return broadcastKernel(name, operands, { f32: op, elems: { inputs: operands.map(() => "u8"), output: "u8" } });
}
