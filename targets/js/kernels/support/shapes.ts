import type { SymShape } from "../../../../compiler/plan/kernel-plan.js";
import type { KernelEnv } from "../types.js";

export { type BroadcastLoops, broadcastLoops, padRank, shapeSpec } from "../../../shared/broadcast.js";

/** The element count of a shape as code. */
export function countOf(env: KernelEnv, s: SymShape, name: string): string {
  return s.length === 0 ? "1" : env.count(s, name);
}

/** A 2-D convolution's input and output plane sizes, as parameters in this order. */
export function convPlanes(env: KernelEnv, xs: SymShape, ys: SymShape) {
  return {
    H: env.dim(xs[2], "H"),
    W: env.dim(xs[3], "W"),
    OH: env.dim(ys[2], "OH"),
    OW: env.dim(ys[3], "OW"),
    HW: env.count([xs[2], xs[3]], "HW"),
    OHW: env.count([ys[2], ys[3]], "OHW"),
  };
}
