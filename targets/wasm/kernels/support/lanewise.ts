import { shapeSpec } from "../../../shared/broadcast.js";
import type { Ex } from "../../binaryen.js";
import type { Local } from "../../dsl.js";
import type { WasmKernelEnv, WasmKernelGenerator } from "../types.js";
import { countOf } from "./elementwise.js";

/** One elementwise op as the js target computes it in f64, and its four-lane form with the same float32 results. */
export interface LanewiseOp {
  /** f(v), v an f64 holding a float32 value; rounded to float32 on the store. */
  readonly f64: (v: Ex) => Ex;
  /** f on the four float32 lanes of the f32x4 local `v` (read as often as it needs). */
  readonly f32x4: (v: Local) => Ex;
}

/**
 * y = f(x) over every element, for ops that need no routine (elementwise.ts's unaryKernel is for
 * those that do): f in f64, rounded to float32 on the store as the js target's Float32Array store
 * rounds; with SIMD four elements a step in the op's f32x4 form (exact f32x4 instructions, or the
 * f64 operation on pairs through f64-pairs.ts's inF64Pairs), the last n mod 4 one by one.
 * `op(env)` runs once per kernel, so the op may ask env for its per-instance numbers (`scalar`).
 */
export function lanewiseKernel(name: string, op: (env: WasmKernelEnv) => LanewiseOp): WasmKernelGenerator {
  return (env) => {
    const ops = op(env);
    const x = env.input(0);
    const y = env.output(0);
    const n = countOf(env, env.outputShape(0));
    const f = env.fn;
    const m = f.m;
    const i = f.i32Local();
    const simd = env.isa !== "mvp";
    const v = simd ? f.local(f.b.v128) : undefined;
    const quads = v
      ? [
          f.for(
            i,
            f.i32(0),
            () => m.i32.sub(n(), f.i32(3)),
            [v.set(m.v128.load(0, 4, f.addr(x, i.get()))), m.v128.store(0, 4, f.addr(y, i.get()), ops.f32x4(v))],
            4,
          ),
        ]
      : [];
    return {
      spec: `${name}_${shapeSpec(env.outputShape(0))}${simd ? "_simd" : ""}`,
      body: [...quads, f.for(i, simd ? i.get() : f.i32(0), n, [f.storeF(y, i.get(), ops.f64(f.loadF(x, i.get())))])],
    };
  };
}
