import type { SymShape } from "../../compiler/plan/kernel-plan.js";
import type { KernelFacts } from "./kernel-params.js";

/**
 * What a 2-D convolution sizes itself by in either direction: x [N, C, H, W], y [N, M, OH, OW], a
 * KH x KW kernel, C input channels in groups of CG and M output channels in groups of MG.
 */
export interface ConvDims {
  readonly xs: SymShape;
  readonly ys: SymShape;
  readonly N: number;
  readonly C: number;
  readonly M: number;
  readonly CG: number;
  readonly MG: number;
  readonly KH: number;
  readonly KW: number;
}

/**
 * The operands of a 2-D convolution in either direction, rank 4 each, and the dims both read alike:
 * the batch, the input channels and the kernel (a weight laid out as `layout`, its last two dims).
 * `what` names the convolution in errors.
 */
export function convOperands(env: KernelFacts, what: string, layout: string) {
  const xs = env.inputShape(0);
  const ws = env.inputShape(1);
  const ys = env.outputShape(0);
  if (xs.length !== 4) throw env.error(`input has rank ${xs.length}; only ${what} (rank 4) is supported`);
  if (ws.length !== 4) throw env.error(`weight has rank ${ws.length}; a ${what}'s is 4 (${layout})`);
  const N = env.staticDim(xs[0], "the batch");
  const C = env.staticDim(xs[1], "the input channel count");
  const KH = env.staticDim(ws[2], "the kernel height");
  const KW = env.staticDim(ws[3], "the kernel width");
  return { xs, ws, ys, N, C, KH, KW };
}

/** The fixed geometry of a 2-D convolution: weights [M, C/G, KH, KW]. */
export interface ConvGeometry extends ConvDims {
  readonly G: number;
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
}

/** The geometry every target's Conv and QConv kernels size themselves by, checked. */
export function convGeometry(env: KernelFacts): ConvGeometry {
  const { xs, ws, ys, N, C, KH, KW } = convOperands(env, "2-D convolution", "M, C/group, kH, kW");
  const M = env.staticDim(ws[0], "the output channel count");
  const CG = env.staticDim(ws[1], "the weight's channels per group");
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
