import { isFloat } from "../ir/dtype.js";
import type { Tensor } from "../ir/tensor.js";

export interface Tolerance {
  readonly rtol: number;
  readonly atol: number;
}

/** ONNX's backend-test default: |actual - expected| <= atol + rtol * |expected|. */
export const ONNX_TOLERANCE: Tolerance = { rtol: 1e-3, atol: 1e-7 };

export interface Comparison {
  readonly ok: boolean;
  /** Largest |actual - expected| over finite pairs (0 for non-numeric). */
  readonly maxAbs: number;
  /** Elements outside tolerance. */
  readonly mismatches: number;
  /** Why it failed, in words; undefined when ok. */
  readonly reason?: string;
}

/** Floats within tolerance (NaN matches NaN, infinities match exactly); integers and strings exact. */
export function compareTensors(actual: Tensor, expected: Tensor, tol: Tolerance): Comparison {
  if (actual.dtype !== expected.dtype) {
    return {
      ok: false,
      maxAbs: Number.NaN,
      mismatches: expected.size,
      reason: `dtype ${actual.dtype}, expected ${expected.dtype}`,
    };
  }
  const sameShape = actual.rank === expected.rank && actual.shape.every((d, i) => d === expected.shape[i]);
  if (!sameShape) {
    return {
      ok: false,
      maxAbs: Number.NaN,
      mismatches: expected.size,
      reason: `shape [${actual.shape}], expected [${expected.shape}]`,
    };
  }
  if (Array.isArray(expected.data)) {
    const a = actual.data as string[];
    const mismatches = expected.data.filter((s, i) => s !== a[i]).length;
    return {
      ok: mismatches === 0,
      maxAbs: 0,
      mismatches,
      reason: mismatches ? `${mismatches} strings differ` : undefined,
    };
  }
  const a = actual.values;
  const e = expected.values;
  const float = isFloat(expected.dtype);
  let maxAbs = 0;
  let mismatches = 0;
  let first = -1;
  for (let i = 0; i < e.length; i++) {
    const x = a[i];
    const y = e[i];
    if (Number.isNaN(y) || Number.isNaN(x)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) {
        mismatches++;
        if (first < 0) first = i;
      }
      continue;
    }
    if (!Number.isFinite(y) || !Number.isFinite(x)) {
      if (x !== y) {
        mismatches++;
        if (first < 0) first = i;
      }
      continue;
    }
    const d = Math.abs(x - y);
    if (d > maxAbs) maxAbs = d;
    const bad = float ? d > tol.atol + tol.rtol * Math.abs(y) : d !== 0;
    if (bad) {
      mismatches++;
      if (first < 0) first = i;
    }
  }
  return {
    ok: mismatches === 0,
    maxAbs,
    mismatches,
    reason: mismatches
      ? `${mismatches} of ${e.length} elements differ (first at ${first}: ${a[first]} vs ${e[first]})`
      : undefined,
  };
}

/**
 * PSNR in dB of a float output against its golden, for image outputs in [0, 1] (peak 1): how a
 * quantized model's whole-tensor DlsQuant statistics, summed in another order, are judged when one
 * flipped code moves a few pixels by a quantization step. Infinity when equal.
 */
export function psnrOf(actual: Tensor, expected: Tensor): number {
  const a = actual.values;
  const e = expected.values;
  if (a.length !== e.length || e.length === 0) return Number.NaN;
  let se = 0;
  for (let i = 0; i < e.length; i++) se += (a[i] - e[i]) ** 2;
  return se === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10(e.length / se);
}
