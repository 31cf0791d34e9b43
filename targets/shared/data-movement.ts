import type { SymDim, SymShape } from "../../compiler/plan/kernel-plan.js";
import type { KernelFacts } from "./kernel-params.js";
import { addDim } from "./sym.js";

/** An axis in [-rank, rank) made non-negative, or an error naming the param. */
export function normalizeAxis(env: KernelFacts, axis: number, rank: number, what = "axis"): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw env.error(`${what} ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Transpose's `perm` (default: the axes reversed), checked to be a permutation of x's axes. */
export function transposePerm(env: KernelFacts, xs: SymShape): readonly number[] {
  const rank = xs.length;
  const perm = env.ints(
    "perm",
    xs.map((_, k) => rank - 1 - k),
  );
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, k) => p !== k)) {
    throw env.error(`attribute 'perm' is [${perm}], expected a permutation of 0..${rank - 1}`);
  }
  return perm;
}

/** One sliced axis: the first index read and the step between reads. */
export interface SlicedAxis {
  readonly axis: number;
  readonly first: number;
  readonly step: number;
}

/** The first index ONNX Slice reads on an axis of `dim` elements (negative counts from the end). */
function firstIndex(start: number, step: number, dim: number): number {
  const s = start < 0 ? start + dim : start;
  return step > 0 ? Math.min(Math.max(s, 0), dim) : Math.min(Math.max(s, 0), dim - 1);
}

/**
 * Slice's axes from starts/axes/steps (inputs 1-4 folded at compile time, or the attributes of
 * opsets 1-9). Sliced axes must have sizes fixed at compile time; the output's extents are the plan's.
 */
export function slicedAxes(env: KernelFacts, xs: SymShape): SlicedAxis[] {
  const starts = env.constInts(1) ?? env.ints("starts");
  const axes = (
    env.constInts(3) ??
    env.ints(
      "axes",
      starts.map((_, i) => i),
    )
  ).map((a) => normalizeAxis(env, a, xs.length, "sliced axis"));
  const steps = env.constInts(4) ?? starts.map(() => 1);
  if (axes.length !== starts.length || steps.length !== starts.length || steps.includes(0)) {
    throw env.error(`starts [${starts}], axes [${axes}] and steps [${steps}] do not describe a slice`);
  }
  return axes.map((axis, i) => ({
    axis,
    first: firstIndex(starts[i], steps[i], env.staticDim(xs[axis], `sliced axis ${axis}`)),
    step: steps[i],
  }));
}

/** One part of a Split: its extent on the axis and where it starts there. */
export interface SplitPart {
  readonly extent: SymDim;
  readonly start: SymDim;
}

/**
 * Split's axis and parts. Their sizes are the outputs' extents on the axis, which the planner already
 * derived from the split input, the `split` attribute or num_outputs.
 */
export function splitParts(env: KernelFacts) {
  const xs = env.inputShape(0);
  const axis = normalizeAxis(env, env.int("axis", 0), xs.length);
  let start: SymDim = { c: 0, h: 0, w: 0, hw: 0 };
  const parts: SplitPart[] = env.kernel.outputs.map((_, k) => {
    const extent = env.outputShape(k)[axis];
    const part = { extent, start };
    start = addDim(start, extent);
    return part;
  });
  return { xs, axis, parts };
}

/** DepthToSpace's sizes, x [N, C, H, W] -> [N, C/b², H·b, W·b], and its channel order. */
export function depthToSpaceGeometry(env: KernelFacts) {
  const xs = env.inputShape(0);
  if (xs.length !== 4) throw env.error(`input has rank ${xs.length}, expected 4 (N, C, H, W)`);
  const b = env.int("blocksize");
  const mode = env.string("mode", "DCR");
  if (mode !== "DCR" && mode !== "CRD") throw env.error(`attribute 'mode' is '${mode}', expected 'DCR' or 'CRD'`);
  const N = env.staticDim(xs[0], "the batch");
  const C = env.staticDim(xs[1], "the channel count");
  if (b < 1 || C % (b * b) !== 0) throw env.error(`channels ${C} are not divisible by blocksize² (${b}²)`);
  return { xs, b, mode, N, C, OC: C / (b * b) };
}
