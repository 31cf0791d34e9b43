/**
 * QuantizeLinear -> DequantizeLinear of a float32 activation (per tensor, 8-bit), written with the
 * float32 operations every target's epilogue and float kernels already have (divide, add,
 * subtract, multiply, relu), so that the requantization of an integer kernel's output can be part
 * of its epilogue. Equal bit for bit to ONNX's pair:
 *   q = saturate(roundHalfEven(fl(x / scale)) + zp),  y = fl((q - zp) * scale)
 * In code offsets u = q - zp, which run over [lo, hi] = [qmin - zp, qmax - zp]:
 *   v = fl(x / scale)
 *   t = fl(v + ROUNDING_BIAS)        1.5 * 2^23: float32 spacing is 1 there, so this rounds v half to
 *                                    even (exact for |v| < 2^22; larger |v| saturates below anyway)
 *   a = relu(t - (ROUNDING_BIAS + lo))   u - lo, clamped below at 0 (integers: exact)
 *   b = relu((hi - lo) - a)
 *   u = hi - b                       = min(max(u, lo), hi)
 *   y = fl(u * scale)
 * Every intermediate is an integer below 2^24 or the float32 value ONNX computes, and no step makes
 * a negative zero, so the steps reproduce the pair exactly (tested over whole code ranges).
 */
import { roundHalfEven } from "./rounding.js";

export const ROUNDING_BIAS = 12582912;

export interface FakeQuantGrid {
  readonly scale: number;
  readonly zeroPoint: number;
  readonly dtype: "int8" | "uint8";
}

function codeRange(grid: FakeQuantGrid): readonly [number, number] {
  return grid.dtype === "int8" ? [-128, 127] : [0, 255];
}

/** [lo, hi]: the range of q - zp. */
export function offsetRange(grid: FakeQuantGrid): readonly [number, number] {
  const [qmin, qmax] = codeRange(grid);
  return [qmin - grid.zeroPoint, qmax - grid.zeroPoint];
}

/** ONNX's QuantizeLinear -> DequantizeLinear of one float32 value, as the reference evaluates it. */
export function quantizeDequantize(x: number, grid: FakeQuantGrid): number {
  const [qmin, qmax] = codeRange(grid);
  const q = Math.min(Math.max(roundHalfEven(Math.fround(x / grid.scale)) + grid.zeroPoint, qmin), qmax);
  return Math.fround((q - grid.zeroPoint) * grid.scale);
}

/** The same value through the steps above, each rounded to float32 as an epilogue step is. */
export function quantizeDequantizeBySteps(x: number, grid: FakeQuantGrid): number {
  const [lo, hi] = offsetRange(grid);
  const f = Math.fround;
  const relu = (v: number) => Math.max(v, 0);
  const t = f(f(x / grid.scale) + ROUNDING_BIAS);
  const a = relu(f(t - (ROUNDING_BIAS + lo)));
  const b = relu(f(hi - lo - a));
  return f(f(hi - b) * grid.scale);
}
