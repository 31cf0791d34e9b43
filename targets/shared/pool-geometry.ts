import type { SymShape } from "../../compiler/plan/kernel-plan.js";
import type { KernelFacts } from "./kernel-params.js";

/** A 2-D MaxPool's or AveragePool's window: x [N, C, H, W] -> y [N, C, OH, OW] (the plan's sizes). */
export interface PoolGeometry {
  readonly xs: SymShape;
  readonly ys: SymShape;
  /** N * C independent planes. */
  readonly planes: number;
  readonly KH: number;
  readonly KW: number;
  readonly SH: number;
  readonly SW: number;
  readonly DH: number;
  readonly DW: number;
  /** Pads [top, left, bottom, right]; ceil_mode's overhang is in the plan's output size. */
  readonly pads: readonly [number, number, number, number];
  readonly spec: string;
}

/**
 * The geometry every target's pooling kernels size themselves by, checked. Explicit pads or VALID
 * (what PyTorch exports); SAME pads, which depend on the input size, and MaxPool's Indices output
 * are refused with what to do.
 */
export function poolGeometry(env: KernelFacts, name: string): PoolGeometry {
  const xs = env.inputShape(0);
  const ys = env.outputShape(0);
  if (xs.length !== 4) throw env.error(`input has rank ${xs.length}; only 2-D pooling (rank 4) is supported`);
  if (env.kernel.outputs.length > 1) throw env.error("MaxPool's Indices output is not supported");
  const autoPad = env.string("auto_pad", "NOTSET");
  if (autoPad !== "NOTSET" && autoPad !== "VALID") {
    throw env.error(`auto_pad '${autoPad}' is not supported by pooling kernels; export explicit pads`);
  }
  const [KH, KW] = env.ints("kernel_shape");
  const [SH, SW] = env.ints("strides", [1, 1]);
  const [DH, DW] = env.ints("dilations", [1, 1]);
  const [PT, PL, PB, PR] = autoPad === "VALID" ? [0, 0, 0, 0] : env.ints("pads", [0, 0, 0, 0]);
  const planes = env.staticDim(xs[0], "the batch") * env.staticDim(xs[1], "the channel count");
  const dilated = DH !== 1 || DW !== 1 ? `_d${DH}x${DW}` : "";
  const spec = `${name}_k${KH}x${KW}_s${SH}x${SW}_p${PT}_${PL}_${PB}_${PR}${dilated}`;
  return { xs, ys, planes, KH, KW, SH, SW, DH, DW, pads: [PT, PL, PB, PR], spec };
}
