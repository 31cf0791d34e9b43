import { isFloat } from "../ir/dtype.js";
import type { Tensor } from "../ir/tensor.js";

export interface Tolerance {
  readonly rtol: number;
  readonly atol: number;
}

/** ONNX's backend-test default: |actual - expected| <= atol + rtol * |expected|. */
export const ONNX_TOLERANCE: Tolerance = { rtol: 1e-3, atol: 1e-7 };

/**
 * `qmc verify`'s default for whole models on images in [0, 1]. ONNX's atol 1e-7 fails correct float
 * models on elements near zero, where the relative term allows almost nothing: onnxruntime's
 * float32 and the reference's float64 cubic Resize differ by about 1e-5 there. 1e-4 is 1/39 of an
 * 8-bit level (1/255), so nothing that passes can show in an image.
 */
export const MODEL_TOLERANCE: Tolerance = { rtol: 1e-3, atol: 1e-4 };

/** Integers and codes: any difference is a mismatch. */
export const EXACT: Tolerance = { rtol: 0, atol: 0 };

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
  const s = errorStatistics(actual.values, expected.values, isFloat(expected.dtype) ? tol : EXACT);
  const i = s.firstMismatch;
  return {
    ok: s.mismatches === 0,
    maxAbs: s.maxAbs,
    mismatches: s.mismatches,
    reason: s.mismatches
      ? `${s.mismatches} of ${s.total} elements differ (first at ${i}: ${actual.values[i]} vs ${expected.values[i]})`
      : undefined,
  };
}

export interface ErrorStatistics {
  readonly total: number;
  /** Elements outside tolerance (NaN matches NaN, infinities match exactly). */
  readonly mismatches: number;
  /** Largest |actual - expected| over finite pairs. */
  readonly maxAbs: number;
  /** Largest |actual - expected| / |expected| over finite pairs whose expected value is not 0. */
  readonly maxRel: number;
  /** Mean |actual - expected| over finite pairs. */
  readonly meanAbs: number;
  /** Where the largest finite difference is; the first mismatch when only non-finite pairs differ; -1 when equal. */
  readonly worst: number;
  /** The first element outside tolerance; -1 when none. */
  readonly firstMismatch: number;
}

/**
 * How far `actual` is from `expected`, element by element (same length): the numbers behind a
 * PASS/FAIL, and where to look. An element fails when |actual - expected| > atol + rtol * |expected|.
 */
export function errorStatistics(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
): ErrorStatistics {
  let maxAbs = 0;
  let maxRel = 0;
  let sumAbs = 0;
  let finite = 0;
  let mismatches = 0;
  let firstMismatch = -1;
  let worst = -1;
  const mismatch = (i: number) => {
    mismatches++;
    if (firstMismatch < 0) firstMismatch = i;
  };
  for (let i = 0; i < expected.length; i++) {
    const x = actual[i];
    const y = expected[i];
    if (Number.isNaN(y) || Number.isNaN(x)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) mismatch(i);
      continue;
    }
    if (!Number.isFinite(y) || !Number.isFinite(x)) {
      if (x !== y) mismatch(i);
      continue;
    }
    const d = Math.abs(x - y);
    finite++;
    sumAbs += d;
    if (d > maxAbs) {
      maxAbs = d;
      worst = i;
    }
    if (y !== 0 && d / Math.abs(y) > maxRel) maxRel = d / Math.abs(y);
    if (d > tol.atol + tol.rtol * Math.abs(y)) mismatch(i);
  }
  return {
    total: expected.length,
    mismatches,
    maxAbs,
    maxRel,
    meanAbs: finite ? sumAbs / finite : 0,
    worst: worst < 0 ? firstMismatch : worst,
    firstMismatch,
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
