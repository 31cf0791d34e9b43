import { type DType, integerRange, isFloat } from "../../ir/dtype.js";
import { Tensor } from "../../ir/tensor.js";
/**
 * Resize's per-axis sampling, following the ONNX reference: each output coordinate maps back to a
 * source coordinate x, and reads n neighbours around it (ratio in (0, 1], so an exact integer x
 * counts as the right end of the interval below it), clamped to the edge, weighted by the mode's
 * coefficients. Axes are resized one after another, which the modes' separability allows.
 */

export const RESIZE_MODES = ["nearest", "linear", "cubic"] as const;
export type ResizeMode = (typeof RESIZE_MODES)[number];
export const COORDINATE_MODES = [
  "half_pixel",
  "half_pixel_symmetric",
  "pytorch_half_pixel",
  "align_corners",
  "asymmetric",
  "tf_half_pixel_for_nn",
  "tf_crop_and_resize",
] as const;
export type CoordinateMode = (typeof COORDINATE_MODES)[number];
export const NEAREST_MODES = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"] as const;
export type NearestMode = (typeof NEAREST_MODES)[number];

export interface ResizeOptions {
  readonly mode: ResizeMode;
  readonly coordinateMode: CoordinateMode;
  readonly nearestMode: NearestMode;
  readonly cubicA: number;
  readonly excludeOutside: boolean;
  readonly extrapolationValue: number;
  readonly antialias: boolean;
}

/** The source coordinate of output index y along one axis. */
function sourceCoordinate(
  o: ResizeOptions,
  y: number,
  scale: number,
  inSize: number,
  outSize: number,
  roi: readonly [number, number],
): number {
  // Like the ONNX reference and onnxruntime, the resized length here is scale * in, unrounded.
  const outWidth = scale * inSize;
  switch (o.coordinateMode) {
    case "align_corners":
      return outWidth === 1 ? 0 : (y * (inSize - 1)) / (outWidth - 1);
    case "asymmetric":
      return y / scale;
    case "tf_half_pixel_for_nn":
      return (y + 0.5) / scale;
    case "tf_crop_and_resize": {
      const [start, end] = roi;
      const x =
        outWidth === 1 ? ((end - start) * (inSize - 1)) / 2 : (y * (end - start) * (inSize - 1)) / (outWidth - 1);
      return x + start * (inSize - 1);
    }
    case "pytorch_half_pixel":
      return outWidth === 1 ? 0 : (y + 0.5) / scale - 0.5;
    case "half_pixel_symmetric": {
      // Centres the output canvas on the input when rounding made the output smaller than scale * in.
      const offset = (inSize / 2) * (1 - outSize / outWidth);
      return offset + (y + 0.5) / scale - 0.5;
    }
    default:
      return (y + 0.5) / scale - 0.5;
  }
}

function cubicKernel(x: number, a: number): number {
  const t = Math.abs(x);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

/** The coefficients over neighbours base-n/2+1 .. base+n/2, for ratio in (0, 1]. */
function coefficients(o: ResizeOptions, ratio: number, scale: number): number[] {
  if (o.mode === "nearest") {
    const up =
      ratio === 1 ||
      (o.nearestMode === "round_prefer_floor" && ratio > 0.5) ||
      (o.nearestMode === "round_prefer_ceil" && ratio >= 0.5) ||
      o.nearestMode === "ceil";
    return up ? [0, 1] : [1, 0];
  }
  if (!o.antialias) {
    if (o.mode === "linear") return [1 - ratio, ratio];
    return [1 + ratio, ratio, 1 - ratio, 2 - ratio].map((d) => cubicKernel(d, o.cubicA));
  }
  // Antialiasing stretches the kernel by 1/scale when downsampling, then renormalizes it.
  const s = Math.min(scale, 1);
  const reach = o.mode === "linear" ? 1 : 2;
  const start = Math.floor(-reach / s) + 1;
  const coeffs: number[] = [];
  for (let i = start; i < 2 - start; i++) {
    const d = s * (i - ratio);
    coeffs.push(o.mode === "linear" ? Math.max(0, 1 - Math.abs(d)) : cubicKernel(d, o.cubicA));
  }
  const sum = coeffs.reduce((p, q) => p + q, 0);
  return coeffs.map((c) => c / sum);
}

interface AxisSampling {
  /** Per output index, the clamped source indices and their weights; empty for an extrapolated one. */
  readonly taps: { readonly index: Int32Array; readonly weight: Float64Array }[];
}

function sampleAxis(
  o: ResizeOptions,
  scale: number,
  inSize: number,
  outSize: number,
  roi: readonly [number, number],
): AxisSampling {
  const taps: AxisSampling["taps"] = [];
  for (let y = 0; y < outSize; y++) {
    const x = sourceCoordinate(o, y, scale, inSize, outSize, roi);
    if (o.coordinateMode === "tf_crop_and_resize" && (x < 0 || x > inSize - 1)) {
      taps.push({ index: new Int32Array(0), weight: new Float64Array(0) });
      continue;
    }
    const floor = Math.floor(x);
    const ratio = x === floor ? 1 : x - floor;
    const base = x === floor ? x - 1 : floor;
    const coeffs = coefficients(o, ratio, scale);
    const n = coeffs.length;
    const first = base - n / 2 + 1;
    if (o.excludeOutside) {
      for (let i = 0; i < n; i++) if (first + i < 0 || first + i >= inSize) coeffs[i] = 0;
      const sum = coeffs.reduce((p, q) => p + q, 0);
      for (let i = 0; i < n; i++) coeffs[i] /= sum;
    }
    const index = new Int32Array(n);
    for (let i = 0; i < n; i++) index[i] = Math.min(inSize - 1, Math.max(0, first + i));
    taps.push({ index, weight: Float64Array.from(coeffs) });
  }
  return { taps };
}

/**
 * Resizes `data` of `shape` along every axis whose scale or size changes, in float64.
 * `roi` holds [start..., end...] per axis (used by tf_crop_and_resize only).
 */
export function resizeFloat(
  data: ArrayLike<number>,
  shape: readonly number[],
  outShape: readonly number[],
  scales: readonly number[],
  roi: readonly number[],
  o: ResizeOptions,
): Float64Array {
  const r = shape.length;
  let cur: ArrayLike<number> = data;
  const curShape = [...shape];
  for (let a = 0; a < r; a++) {
    const axisRoi: [number, number] = [roi[a], roi[a + r]];
    const identity =
      Math.abs(scales[a] - 1) < 1e-9 && outShape[a] === curShape[a] && axisRoi[0] === 0 && axisRoi[1] === 1;
    if (identity) continue;
    const { taps } = sampleAxis(o, scales[a], curShape[a], outShape[a], axisRoi);
    let outer = 1;
    for (let i = 0; i < a; i++) outer *= curShape[i];
    let inner = 1;
    for (let i = a + 1; i < r; i++) inner *= curShape[i];
    const inLen = curShape[a];
    const outLen = outShape[a];
    const next = new Float64Array(outer * outLen * inner);
    for (let p = 0; p < outer; p++) {
      for (let y = 0; y < outLen; y++) {
        const { index, weight } = taps[y];
        const dst = (p * outLen + y) * inner;
        if (index.length === 0) {
          next.fill(o.extrapolationValue, dst, dst + inner);
          continue;
        }
        for (let t = 0; t < index.length; t++) {
          const w = weight[t];
          if (w === 0) continue;
          const src = (p * inLen + index[t]) * inner;
          for (let i = 0; i < inner; i++) next[dst + i] += w * cur[src + i];
        }
      }
    }
    cur = next;
    curShape[a] = outLen;
  }
  return cur instanceof Float64Array && cur !== data ? cur : Float64Array.from(cur);
}

/** The resized values as a tensor of x's type: interpolated integers round to nearest and saturate to the type. */
export function resizedTensor(dtype: DType, shape: readonly number[], out: Float64Array): Tensor {
  const range = integerRange(dtype);
  if (!isFloat(dtype) && range) {
    for (let i = 0; i < out.length; i++) out[i] = Math.min(range[1], Math.max(range[0], Math.round(out[i])));
  }
  return Tensor.from(dtype, shape, out);
}
