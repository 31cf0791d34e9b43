import type { SymShape } from "../../compiler/plan/kernel-plan.js";
import type { KernelFacts } from "./kernel-params.js";

/** The fixed geometry of a 2-D convolution: x [N, C, H, W], weights [M, C/G, KH, KW]. */
export interface ConvGeometry {
  readonly xs: SymShape;
  readonly ys: SymShape;
  readonly N: number;
  readonly C: number;
  readonly M: number;
  readonly CG: number;
  readonly MG: number;
  readonly G: number;
  readonly KH: number;
  readonly KW: number;
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
}

/** The geometry every target's Conv and QConv kernels size themselves by, checked. */
export function convGeometry(env: KernelFacts): ConvGeometry {
  const xs = env.inputShape(0);
  const ws = env.inputShape(1);
  const ys = env.outputShape(0);
  if (xs.length !== 4) throw env.error(`input has rank ${xs.length}; only 2-D convolution (rank 4) is supported`);
  if (ws.length !== 4) throw env.error(`weight has rank ${ws.length}; a 2-D convolution's is 4 (M, C/group, kH, kW)`);
  const N = env.staticDim(xs[0], "the batch");
  const C = env.staticDim(xs[1], "the input channel count");
  const M = env.staticDim(ws[0], "the output channel count");
  const CG = env.staticDim(ws[1], "the weight's channels per group");
  const KH = env.staticDim(ws[2], "the kernel height");
  const KW = env.staticDim(ws[3], "the kernel width");
  const G = env.int("group", 1);
  if (G < 1 || C % G !== 0 || M % G !== 0 || CG * G !== C) {
    throw env.error(
      `group ${G} does not fit ${C} input channels, ${M} output channels and a weight of ${CG} per group`,
    );
  }
  return {
    xs,
    ys,
    N,
    C,
    M,
    CG,
    MG: M / G,
    G,
    KH,
    KW,
    strides: env.ints("strides", [1, 1]),
    dilations: env.ints("dilations", [1, 1]),
  };
}

/** A qmc.QConv's geometry: a convolution's, with explicit pads [top, left, bottom, right]. */
export interface QConvGeometry extends ConvGeometry {
  readonly pads: readonly number[];
}

export function qconvGeometry(env: KernelFacts): QConvGeometry {
  const geometry = convGeometry(env);
  if (env.string("auto_pad", "NOTSET") !== "NOTSET") {
    throw env.error("auto_pad is not supported by integer convolutions; export explicit pads");
  }
  return { ...geometry, pads: env.ints("pads", [0, 0, 0, 0]) };
}
