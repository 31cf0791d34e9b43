import { shapeSpec } from "../../../shared/broadcast.js";
import type { Ex } from "../../binaryen.js";
import type { Arr, Fn, Local, Val } from "../../dsl.js";
import type { WasmKernelEnv, WasmKernelGenerator } from "../types.js";
import { countOf } from "./elementwise.js";
import { joinLow, promoteHigh } from "./lanes.js";

/** The double operations of an elementwise formula, on one f64 or on both lanes of an f64x2. */
export interface F64Ops {
  c(v: number): Ex;
  /** A scalar f64 as an operand: itself, or the same value in both lanes. */
  of(v: Ex): Ex;
  add(a: Ex, b: Ex): Ex;
  mul(a: Ex, b: Ex): Ex;
  div(a: Ex, b: Ex): Ex;
  /** IEEE minimum and maximum, as Math.min and Math.max: NaN wins, -0 is below 0. */
  min(a: Ex, b: Ex): Ex;
  max(a: Ex, b: Ex): Ex;
}

/** y = formula(x), the element read from a local (so read as often as needed). */
export type F64Formula = (o: F64Ops, x: Val) => Ex;

function scalarOps(f: Fn): F64Ops {
  const d = f.m.f64;
  return {
    c: (v) => d.const(v),
    of: (v) => v,
    add: (a, b) => d.add(a, b),
    mul: (a, b) => d.mul(a, b),
    div: (a, b) => d.div(a, b),
    min: (a, b) => d.min(a, b),
    max: (a, b) => d.max(a, b),
  };
}

function pairOps(f: Fn): F64Ops {
  const v = f.m.f64x2;
  return {
    c: (n) => v.splat(f.f64(n)),
    of: (s) => v.splat(s),
    add: (a, b) => v.add(a, b),
    mul: (a, b) => v.mul(a, b),
    div: (a, b) => v.div(a, b),
    min: (a, b) => v.min(a, b),
    max: (a, b) => v.max(a, b),
  };
}

/**
 * y[at + i] = formula(x[at + i]) for i < count: x promoted from float32, the formula in double as
 * the js target computes it, the result rounded to float32 at the store, so values are
 * bit-identical to the js artifacts. Where `vector`, four elements a step as two f64x2 pairs (the
 * same double operations in each lane), the last count mod 4 one by one.
 */
export function f64Run(f: Fn, vector: boolean, x: Arr, y: Arr, at: Val, count: Val, formula: F64Formula): Ex[] {
  const m = f.m;
  const i = f.i32Local();
  const v = f.f64Local();
  const index = () => f.add(at(), i.get());
  const one = [v.set(f.loadF(x, index())), f.storeF(y, index(), formula(scalarOps(f), v.get))];
  if (!vector) return [f.for(i, f.i32(0), count, one)];
  const q = f.local(f.b.v128);
  const pairs = pairOps(f);
  return [
    f.for(
      i,
      f.i32(0),
      () => m.i32.sub(count(), f.i32(3)),
      [
        q.set(m.v128.load(0, 4, f.addr(x, index()))),
        m.v128.store(
          0,
          4,
          f.addr(y, index()),
          inF64Pairs(f, q, (pair) => formula(pairs, pair)),
        ),
      ],
      4,
    ),
    f.for(i, i.get(), count, one),
  ];
}

/**
 * `half` applied to the four float32 lanes of `v` as two f64x2 (each lane promoted, the results
 * demoted): the js target's f64 operation rounded to float32, where an f32x4 one would round twice
 * or take its f64 operand rounded to float32. `half` reads its pair from a local, as often as it needs.
 */
export function inF64Pairs(f: Fn, v: Local, half: (pair: Val) => Ex): Ex {
  const m = f.m;
  const [lo, hi] = [f.local(f.b.v128), f.local(f.b.v128)];
  const demoted = (pair: Local) => m.f32x4.demote_f64x2_zero(half(pair.get));
  return m.block(
    null,
    [lo.set(m.f64x2.promote_low_f32x4(v.get())), hi.set(promoteHigh(f, v)), joinLow(f, demoted(lo), demoted(hi))],
    f.b.v128,
  );
}

/** y = formula(x) over every element; `make` reads the attributes (as `env.scalar`s) once. */
export function f64UnaryKernel(op: string, make: (env: WasmKernelEnv) => F64Formula): WasmKernelGenerator {
  return (env) => {
    const formula = make(env);
    const x = env.input(0);
    const y = env.output(0);
    const n = countOf(env, env.outputShape(0));
    const vector = env.isa !== "mvp";
    return {
      spec: `${op}_${shapeSpec(env.outputShape(0))}${vector ? "_simd" : ""}`,
      body: f64Run(env.fn, vector, x, y, () => env.fn.i32(0), n, formula),
    };
  };
}
