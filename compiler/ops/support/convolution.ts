import type { Shape } from "../../ir/tensor.js";
import { sizeOf } from "../../ir/tensor.js";
import { type Window, windowTable } from "./window.js";

/**
 * Reference convolution kernels over plain numbers, shared by Conv, ConvTranspose and the integer
 * convolutions (QLinearConv / ConvInteger subtract their zero points first, then call these: sums
 * of integer products stay exact in float64 up to 2^53). Dot products accumulate in float64 and are
 * rounded once by the caller's output array.
 */

/**
 * N-d grouped convolution (cross-correlation, as ONNX defines Conv).
 * x: [N, C, ...in], w: [M, C/group, ...kernel], bias: [M] or undefined; window resolved for `in`.
 * Returns the [N, M, ...window.outSize] result as float64.
 */
export function convolveFloat(
  x: ArrayLike<number>,
  xShape: Shape,
  w: ArrayLike<number>,
  wShape: Shape,
  bias: ArrayLike<number> | undefined,
  group: number,
  window: Window,
): Float64Array {
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
        const b0 = bias ? bias[oc] : 0;
        for (let p = 0; p < outSpatial; p++) {
          let acc = b0;
          const row = p * nK;
          for (let ic = 0; ic < cg; ic++) {
            const xBase = (b * c + g * cg + ic) * inSpatial;
            const wBase = (oc * cg + ic) * nK;
            for (let k = 0; k < nK; k++) {
              const idx = table[row + k];
              if (idx >= 0) acc += x[xBase + idx] * w[wBase + k];
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
 * full scatter result at the beginning (the end follows from outSize).
 */
export function convTransposeFloat(
  x: ArrayLike<number>,
  xShape: Shape,
  w: ArrayLike<number>,
  wShape: Shape,
  bias: ArrayLike<number> | undefined,
  group: number,
  window: Window,
): Float64Array {
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
              if (idx >= 0) out[outBase + idx] += v * w[wBase + k];
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
        for (let p = 0; p < outSpatial; p++) out[base + p] += bias[oc];
      }
    }
  }
  return out;
}
