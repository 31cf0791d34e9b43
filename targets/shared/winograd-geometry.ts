import { SUB_KERNEL, subKernels, TILE_POSITIONS } from "../../compiler/ops/support/winograd.js";
import type { SymShape } from "../../compiler/plan/kernel-plan.js";
import type { KernelFacts } from "./kernel-params.js";

/**
 * Output tiles a qmc.WinogradConv kernel transforms at a time: its scratch holds their transformed
 * inputs V [16, C', TILES] and products [16, M, TILES], which stay in cache for the whole chunk
 * (TILES * 64 bytes per channel). A multiple of 16, so the SIMD kernels' blocks of tiles divide it.
 */
export const WINOGRAD_TILES = 32;

/**
 * A qmc.WinogradConv's sizes: x [N, C, H, W], U [16, CV, M] of CV = C * GH * GW virtual input
 * channels (GH x GW 3x3 sub-kernels), y [N, M, OH, OW], pads [top, left, bottom, right].
 */
export interface WinogradGeometry {
  readonly xs: SymShape;
  readonly ys: SymShape;
  readonly N: number;
  readonly C: number;
  readonly CV: number;
  readonly GH: number;
  readonly GW: number;
  readonly M: number;
  readonly kernel: readonly number[];
  readonly pads: readonly number[];
  /** ONNX Relu after the bias. */
  readonly relu: boolean;
}

export function winogradGeometry(env: KernelFacts): WinogradGeometry {
  const xs = env.inputShape(0);
  const us = env.inputShape(1);
  const ys = env.outputShape(0);
  if (xs.length !== 4 || ys.length !== 4) throw env.error("input and output must be [N, C, H, W]");
  if (us.length !== 3 || env.staticDim(us[0], "the transformed tile") !== TILE_POSITIONS) {
    throw env.error("transformed weights must be [16, C', M]");
  }
  const kernel = env.ints("kernel_shape", [SUB_KERNEL, SUB_KERNEL]);
  const activation = env.string("activation", "none");
  if (activation !== "none" && activation !== "relu") throw env.error(`activation '${activation}' is not none or relu`);
  const [GH, GW] = subKernels(kernel);
  const C = env.staticDim(xs[1], "the input channel count");
  const CV = C * GH * GW;
  if (env.staticDim(us[1], "the weights' virtual input channels") !== CV) {
    throw env.error(`weights must have ${CV} virtual input channels for C ${C} and kernel [${kernel}]`);
  }
  return {
    xs,
    ys,
    N: env.staticDim(xs[0], "the batch"),
    C,
    CV,
    GH,
    GW,
    kernel,
    M: env.staticDim(us[2], "the output channel count"),
    pads: env.ints("pads", [0, 0, 0, 0]),
    relu: activation === "relu",
  };
}

/** The kernel's part of a kernel spec: nothing for 3x3, else `_k<Kh>x<Kw>`. */
export function kernelSpec(kernel: readonly number[]): string {
  return kernel[0] === SUB_KERNEL && kernel[1] === SUB_KERNEL ? "" : `_k${kernel[0]}x${kernel[1]}`;
}
