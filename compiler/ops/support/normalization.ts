import { type DType, dtypeFromOnnx } from "../../ir/dtype.js";
import type { OpContext } from "../define.js";

/**
 * Statistics for the normalization ops (Layer/Group/Instance/RMS). Each group is a contiguous run of
 * `size` values; moments are computed in float64 (two passes), which is within tolerance of any
 * stash_type the spec allows.
 */
export interface GroupStats {
  readonly mean: Float64Array;
  /** 1 / sqrt(variance + epsilon), or 1 / sqrt(mean of squares + epsilon) when not centered. */
  readonly invStd: Float64Array;
}

export function groupStats(
  x: ArrayLike<number>,
  groups: number,
  size: number,
  epsilon: number,
  options: { readonly centered: boolean } = { centered: true },
): GroupStats {
  const mean = new Float64Array(groups);
  const invStd = new Float64Array(groups);
  for (let g = 0; g < groups; g++) {
    const base = g * size;
    let mu = 0;
    if (options.centered) {
      for (let i = 0; i < size; i++) mu += x[base + i];
      mu /= size;
    }
    let sq = 0;
    for (let i = 0; i < size; i++) {
      const d = x[base + i] - mu;
      sq += d * d;
    }
    mean[g] = mu;
    invStd[g] = 1 / Math.sqrt(sq / size + epsilon);
  }
  return { mean, invStd };
}

/** Normalizes `axis` against `rank` (negative counts from the end), or throws naming the attribute. */
export function normalizeAxis(ctx: OpContext, axis: number, rank: number, name = "axis"): number {
  if (axis < -rank || axis >= rank) throw ctx.error(`attribute '${name}' is ${axis}, out of range for rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

/** The element type stash_type names (the precision of the statistics outputs). */
export function stashType(ctx: OpContext): DType {
  const code = ctx.attrs.int("stash_type", 1);
  const dtype = dtypeFromOnnx(code);
  if (!dtype) throw ctx.error(`attribute 'stash_type' is ${code}, not an element type this compiler holds`);
  return dtype;
}
