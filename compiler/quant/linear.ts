/**
 * Integer linear quantization as ONNX defines it (QuantizeLinear, DequantizeLinear, the QLinear* ops):
 * q = saturate(roundHalfEven(x / scale) + zero_point), x = (q - zero_point) * scale. The reference
 * interpreter and the passes that fold QDQ pairs both use these functions, so that a folded constant
 * and an evaluated node can never disagree.
 */
import { type DType, integerRange, type NumericArray } from "../ir/dtype.js";
import { roundToBfloat16, roundToHalf } from "../ir/float16.js";
import type { Shape } from "../ir/tensor.js";
import { roundHalfEven } from "./rounding.js";

// Round half to even is ONNX's quantizing rounding; ops importing it from here get the shared one.
export { roundHalfEven };

/** Rounds a double to the precision of a floating element type, as its arithmetic would. */
export function roundToFloatType(dtype: DType, v: number): number {
  switch (dtype) {
    case "float32":
      return Math.fround(v);
    case "float16":
      return roundToHalf(v);
    case "bfloat16":
      return roundToBfloat16(v);
    default:
      return v;
  }
}

/** The types a quantized value can take: ONNX's integer quantization targets. */
export const QUANTIZED_TYPES: readonly DType[] = ["int8", "uint8", "int16", "uint16", "int4", "uint4", "int2", "uint2"];

export function isQuantizedType(dtype: DType): boolean {
  return QUANTIZED_TYPES.includes(dtype);
}

/** Clamps an integer to the range of `dtype` (the "saturate" of the ONNX formulas). */
export function saturate(v: number, dtype: DType): number {
  const range = integerRange(dtype);
  if (!range) throw new Error(`internal: ${dtype} has no integer range`);
  return Math.min(Math.max(v, range[0]), range[1]);
}

/**
 * How a scale / zero-point tensor maps onto the elements of the tensor it quantizes: `index(i)` is
 * the parameter index used for flat element i. ONNX picks the granularity from the parameter's shape:
 * one element is per-tensor, a 1-D tensor of x.shape[axis] is per-axis, and a tensor of x's rank with
 * ceil(x.shape[axis] / block_size) along axis (other dims equal) is blocked.
 */
export type ParamLayout = { readonly index: (i: number) => number } | { readonly problem: string };

export function paramLayout(x: Shape, param: Shape, axis: number, blockSize: number): ParamLayout {
  const size = param.reduce((a, b) => a * b, 1);
  if (size === 1 && blockSize === 0) return { index: () => 0 };
  const rank = x.length;
  if (axis < -rank || axis >= rank) return { problem: `axis ${axis} is out of range for rank ${rank}` };
  const ax = axis < 0 ? axis + rank : axis;
  const inner = x.slice(ax + 1).reduce((a, b) => a * b, 1);
  const n = x[ax];
  if (blockSize === 0) {
    if (param.length !== 1 || param[0] !== n) {
      return {
        problem: `scale of shape [${param}] is neither a scalar nor a 1-D tensor of ${n} (dimension ${ax} of [${x}])`,
      };
    }
    return { index: (i) => Math.floor(i / inner) % n };
  }
  if (blockSize < 0) return { problem: `block_size is ${blockSize}, expected a positive integer` };
  const blocks = Math.ceil(n / blockSize);
  const expected = x.map((d, k) => (k === ax ? blocks : d));
  if (param.length !== rank || param.some((d, k) => d !== expected[k])) {
    return {
      problem: `scale of shape [${param}] does not fit blocked quantization of [${x}] (axis ${ax}, block_size ${blockSize}): expected [${expected}]`,
    };
  }
  return {
    index: (i) => {
      const outer = Math.floor(i / (inner * n));
      const along = Math.floor(i / inner) % n;
      return (outer * blocks + Math.floor(along / blockSize)) * inner + (i % inner);
    },
  };
}

export interface QuantizeArgs {
  readonly x: NumericArray;
  readonly scale: NumericArray;
  /** Absent means zero. */
  readonly zeroPoint?: NumericArray;
  readonly index: (i: number) => number;
  readonly out: NumericArray;
  readonly outType: DType;
  /** The floating type in which x / scale is computed and rounded. */
  readonly precision: DType;
}

export function quantizeLinear(a: QuantizeArgs): void {
  const [lo, hi] = integerRange(a.outType) ?? [0, 0];
  for (let i = 0; i < a.out.length; i++) {
    const p = a.index(i);
    const q = roundHalfEven(roundToFloatType(a.precision, a.x[i] / a.scale[p])) + (a.zeroPoint ? a.zeroPoint[p] : 0);
    a.out[i] = Math.min(Math.max(q, lo), hi);
  }
}

export interface DequantizeArgs {
  readonly x: NumericArray;
  readonly scale: NumericArray;
  readonly zeroPoint?: NumericArray;
  readonly index: (i: number) => number;
  /** Rounding to the output type happens when the tensor is normalized. */
  readonly out: NumericArray;
}

export function dequantizeLinear(a: DequantizeArgs): void {
  for (let i = 0; i < a.out.length; i++) {
    const p = a.index(i);
    a.out[i] = (a.x[i] - (a.zeroPoint ? a.zeroPoint[p] : 0)) * a.scale[p];
  }
}

/**
 * Requantizes an int32 accumulator of (a - a_zp) * (b - b_zp) products into the output type:
 * saturate(roundHalfEven(acc * multiplier) + y_zp), where multiplier = a_scale * b_scale / y_scale
 * was computed in the scales' own floating type (see requantMultiplier).
 */
export function requantize(acc: number, multiplier: number, zeroPoint: number, outType: DType): number {
  return saturate(roundHalfEven(acc * multiplier + zeroPoint), outType);
}

/** a_scale * b_scale / y_scale, rounded after each step as arithmetic in `scaleType` would be. */
export function requantMultiplier(aScale: number, bScale: number, yScale: number, scaleType: DType): number {
  return roundToFloatType(scaleType, roundToFloatType(scaleType, aScale * bScale) / yScale);
}

/** Scale and zero point must share a shape; exporters write per-tensor ones as [] or [1] interchangeably. */
export function sameParamShape(scale: Shape, zeroPoint: Shape): boolean {
  const one = (s: Shape) => s.every((d) => d === 1);
  return scale.join() === zeroPoint.join() || (one(scale) && one(zeroPoint));
}
