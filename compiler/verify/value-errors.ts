import type { Shape, Tensor } from "../ir/tensor.js";
import { stridesOf } from "../ir/tensor.js";
import { errorStatistics, type Tolerance } from "./compare.js";

/** An element of a tensor: its flat index and its coordinates (N, C, H, W for images). */
export interface Location {
  readonly index: number;
  readonly coords: readonly number[];
}

/** How one computed value compares with its expected value; `at` is where the largest error is. */
export interface ValueErrors {
  readonly ok: boolean;
  readonly maxAbs: number;
  readonly maxRel: number;
  readonly meanAbs: number;
  readonly mismatches: number;
  readonly total: number;
  readonly at: Location | null;
  /** Why nothing could be compared element by element (shape or size); undefined otherwise. */
  readonly reason?: string;
}

export function locate(index: number, shape: Shape): Location {
  return { index, coords: stridesOf(shape).map((s, k) => Math.floor(index / s) % shape[k]) };
}

/** Dims other than 1: shapes that agree on these hold the same elements in the same order. */
function nonUnitDims(shape: Shape): number[] {
  return shape.filter((d) => d !== 1);
}

/**
 * Compares a computed value with the expected tensor element by element. `actualShape`, when known,
 * must equal the expected shape up to dims of size 1 (onnxruntime gives some full reductions shape
 * [1] where ONNX says []); otherwise only the element counts must agree (a kernel's flat buffer).
 */
export function valueErrors(
  actual: ArrayLike<number>,
  expected: Tensor,
  tol: Tolerance,
  actualShape?: Shape,
): ValueErrors {
  const shapeDiffers =
    actualShape !== undefined && nonUnitDims(actualShape).join() !== nonUnitDims(expected.shape).join();
  if (shapeDiffers || actual.length !== expected.size) {
    const got = actualShape ? `shape [${actualShape}]` : `${actual.length} values`;
    const want = actualShape ? `shape [${expected.shape}]` : `${expected.size} values`;
    return {
      ok: false,
      maxAbs: Number.NaN,
      maxRel: Number.NaN,
      meanAbs: Number.NaN,
      mismatches: expected.size,
      total: expected.size,
      at: null,
      reason: `${got}, expected ${want}`,
    };
  }
  const s = errorStatistics(actual, expected.values, tol);
  return {
    ok: s.mismatches === 0,
    maxAbs: s.maxAbs,
    maxRel: s.maxRel,
    meanAbs: s.meanAbs,
    mismatches: s.mismatches,
    total: s.total,
    at: s.worst < 0 ? null : locate(s.worst, expected.shape),
  };
}
