import type { Shape } from "../../ir/tensor.js";
import { sizeOf } from "../../ir/tensor.js";
import { type Window, windowTable } from "./window.js";

/**
 * Reference convolution kernels over plain numbers, shared by Conv, ConvTranspose and the integer
 * convolutions (QLinearConv / ConvInteger subtract their zero points first, then call these). Two
 * arithmetics: "float32" (float32 Conv/ConvTranspose) rounds every product and every running sum to
 * float32 in a fixed order, so f32x4 kernels that keep each output's order agree bit for bit;
 * "exact" accumulates in float64, where sums of integer products stay exact up to 2^53, and the
 * caller's output array rounds once.
 */

/**
 * How convolveFloat sums: "float32" rounds every product and every partial sum to float32 (ONNX's
 * float Conv as PyTorch and onnxruntime compute it, and what the targets' f32x4 kernels reproduce);
 * "exact" keeps float64 sums, exact for the integer convolutions' products.
 */
export type ConvArithmetic = "float32" | "exact";

/**
 * N-d grouped convolution (cross-correlation, as ONNX defines Conv).
 * x: [N, C, ...in], w: [M, C/group, ...kernel], bias: [M] or undefined; window resolved for `in`.
 * Per output: the bias (or +0), then input channels of the group ascending, then the kernel taps in
 * row-major order; taps in the padding are skipped, not added as zeros (+0 would turn a -0 sum into
 * +0, and 0 * inf is NaN). Returns the [N, M, ...window.outSize] result as float64.
 */
export function convolveFloat(
  x: ArrayLike<number>,
  xShape: Shape,
  w: ArrayLike<number>,
  wShape: Shape,
  bias: ArrayLike<number> | undefined,
  group: number,
  window: Window,
  arithmetic: ConvArithmetic = "exact",
): Float64Array {
  const float32 = arithmetic === "float32";
  const [n, c] = xShape;
  const m = wShape[0];
  const cg = c / group;
  const mg = m / group;
  const inSpatial = sizeOf(window.inSize);
  const outSpatial = sizeOf(window.outSize);
  const nK = sizeOf(window.kernel);
  const table = windowTable(window.outSize, window.inSize, window);
  const out = new Float64Array(n * m * outSpatial);
  for (let b = 0; b < n; b++) {
    for (let g = 0; g < group; g++) {
      for (let oc = g * mg; oc < (g + 1) * mg; oc++) {
        const outBase = (b * m + oc) * outSpatial;
        const b0 = bias ? (float32 ? Math.fround(bias[oc]) : bias[oc]) : 0;
        for (let p = 0; p < outSpatial; p++) {
          let acc = b0;
          const row = p * nK;
          for (let ic = 0; ic < cg; ic++) {
            const xBase = (b * c + g * cg + ic) * inSpatial;
            const wBase = (oc * cg + ic) * nK;
            for (let k = 0; k < nK; k++) {
              const idx = table[row + k];
              if (idx < 0) continue;
              const product = x[xBase + idx] * w[wBase + k];
              acc = float32 ? Math.fround(acc + Math.fround(product)) : acc + product;
            }
          }
          out[outBase + p] = acc;
        }
      }
    }
  }
  return out;
}

/**
 * N-d grouped transposed convolution. x: [N, C, ...in], w: [C, M/group, ...kernel], bias: [M].
 * `window.inSize` is the input's spatial size and `window.outSize` the output's; pads crop the
 * full scatter result at the beginning (the end follows from outSize). Per output: +0, then the
 * input channels of the group ascending, then the input pixels in row-major order (each reaches an
 * output through one tap at most), then the bias.
 */
export function convTransposeFloat(
  x: ArrayLike<number>,
  xShape: Shape,
  w: ArrayLike<number>,
  wShape: Shape,
  bias: ArrayLike<number> | undefined,
  group: number,
  window: Window,
  arithmetic: ConvArithmetic,
): Float64Array {
  const round = arithmetic === "float32" ? Math.fround : (v: number) => v;
  const [n, c] = xShape;
  const mg = wShape[1];
  const m = mg * group;
  const cg = c / group;
  const inSpatial = sizeOf(window.inSize);
  const outSpatial = sizeOf(window.outSize);
  const nK = sizeOf(window.kernel);
  const table = windowTable(window.inSize, window.outSize, window);
  const out = new Float64Array(n * m * outSpatial);
  for (let b = 0; b < n; b++) {
    for (let g = 0; g < group; g++) {
      for (let ic = g * cg; ic < (g + 1) * cg; ic++) {
        const xBase = (b * c + ic) * inSpatial;
        for (let om = 0; om < mg; om++) {
          const outBase = (b * m + g * mg + om) * outSpatial;
          const wBase = (ic * mg + om) * nK;
          for (let p = 0; p < inSpatial; p++) {
            const v = x[xBase + p];
            const row = p * nK;
            for (let k = 0; k < nK; k++) {
              const idx = table[row + k];
              if (idx >= 0) out[outBase + idx] = round(out[outBase + idx] + round(v * w[wBase + k]));
            }
          }
        }
      }
    }
  }
  if (bias) {
    for (let b = 0; b < n; b++) {
      for (let oc = 0; oc < m; oc++) {
        const base = (b * m + oc) * outSpatial;
        for (let p = 0; p < outSpatial; p++) out[base + p] = round(out[base + p] + bias[oc]);
      }
    }
  }
  return out;
}
