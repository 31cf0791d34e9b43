import type { SymShape } from "../../../../compiler/plan/kernel-plan.js";
import type { WasmKernelEnv } from "../types.js";

/** A 2-D convolution's input and output plane sizes, as parameters in this order. */
export function convPlanes(env: WasmKernelEnv, xs: SymShape, ys: SymShape) {
  return {
    H: env.dim(xs[2]),
    W: env.dim(xs[3]),
    OH: env.dim(ys[2]),
    OW: env.dim(ys[3]),
    HW: env.count([xs[2], xs[3]]),
    OHW: env.count([ys[2], ys[3]]),
  };
}
