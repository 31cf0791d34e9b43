import { isStatic, type SymDim, type SymShape } from "../../compiler/plan/kernel-plan.js";
import type { KernelFacts } from "./kernel-params.js";
import { addDim, dimText, mulDim, sameDim, shapeText } from "./sym.js";

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
  readonly first: SymDim;
  readonly step: number;
}

/** Starts at least this large mean "from the end" (exports write INT64_MAX for a reversed slice). */
const FROM_THE_END = 2 ** 31;

/**
 * The first index ONNX Slice reads on an axis of `dim` elements (negative counts from the end). On
 * an axis whose size follows the image (a crop x[..., 1:-1], a flip) the index is a polynomial too:
 * the plan's probes fitted the output's extent on the same terms, so no clamp applies there.
 */
function firstIndex(start: number, step: number, dim: SymDim): SymDim {
  const at = (c: number): SymDim => ({ c, h: 0, w: 0, hw: 0 });
  if (isStatic(dim)) {
    const n = dim.c;
    const s = start < 0 ? start + n : start;
    return at(step > 0 ? Math.min(Math.max(s, 0), n) : Math.min(Math.max(s, 0), n - 1));
  }
  if (start < 0) return addDim(dim, at(start));
  return step < 0 && start >= FROM_THE_END ? addDim(dim, at(-1)) : at(start);
}

/**
 * Slice's axes from starts/axes/steps (inputs 1-4 folded at compile time, or the attributes of
 * opsets 1-9); the output's extents are the plan's.
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
    first: firstIndex(starts[i], steps[i], xs[axis]),
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

/** SpaceToDepth's sizes, x [N, C, H, W] -> [N, C·b², H/b, W/b], the output channel read as (b1, b2, c). */
export function spaceToDepthGeometry(env: KernelFacts) {
  const xs = env.inputShape(0);
  const ys = env.outputShape(0);
  if (xs.length !== 4) throw env.error(`input has rank ${xs.length}, expected 4 (N, C, H, W)`);
  const b = env.int("blocksize");
  if (b < 1) throw env.error(`attribute 'blocksize' is ${b}, expected at least 1`);
  const N = env.staticDim(xs[0], "the batch");
  const C = env.staticDim(xs[1], "the channel count");
  for (const k of [2, 3]) {
    const whole = mulDim(ys[k], { c: b, h: 0, w: 0, hw: 0 });
    if (!whole || !sameDim(whole, xs[k])) {
      throw env.error(
        `input size ${dimText(xs[k])} on axis ${k} is not blocksize ${b} times the output's ${dimText(ys[k])}`,
      );
    }
  }
  return { xs, ys, b, N, C };
}

/** The modes of Pad that kernels implement. */
export type PadMode = "constant" | "reflect" | "edge" | "wrap";

/** What Pad adds before and after the data on one axis; negative amounts crop. */
export interface PadAxis {
  readonly begin: number;
  readonly end: number;
}

/** Pad's constant fill: input 2 (a constant scalar) from opset 11, the 'value' attribute before. */
function padFill(env: KernelFacts): number {
  if (!env.has(2)) return env.float("value", 0);
  const v = env.constant(2);
  if (v?.length !== 1) throw env.error("input 2 ('constant_value') must be a constant scalar");
  return v[0];
}

/**
 * Pad's mode, amounts per axis and fill value. The amounts come from input 1 folded at compile time
 * (opset 11 on, optionally for the axes of input 3) or the 'pads' attribute (opsets 2-10); the
 * output's extents are the plan's, checked against them.
 */
export function padGeometry(env: KernelFacts) {
  const xs = env.inputShape(0);
  const ys = env.outputShape(0);
  const mode = env.string("mode", "constant");
  if (mode !== "constant" && mode !== "reflect" && mode !== "edge" && mode !== "wrap") {
    throw env.error(`attribute 'mode' is '${mode}', expected 'constant', 'reflect', 'edge' or 'wrap'`);
  }
  const amounts = env.constInts(1) ?? (env.kernel.params.pads === undefined ? undefined : env.ints("pads"));
  if (!amounts) throw env.error("the pads (input 1) are not known when compiling; expected constants");
  const axes = (env.constInts(3) ?? xs.map((_, k) => k)).map((a) => normalizeAxis(env, a, xs.length, "padded axis"));
  if (amounts.length !== 2 * axes.length) {
    throw env.error(`'pads' has ${amounts.length} values, expected ${2 * axes.length} (begin and end per padded axis)`);
  }
  const pads: PadAxis[] = xs.map(() => ({ begin: 0, end: 0 }));
  axes.forEach((a, i) => {
    pads[a] = { begin: amounts[i], end: amounts[i + axes.length] };
  });
  pads.forEach(({ begin, end }, k) => {
    const padded = addDim(xs[k], { c: begin + end, h: 0, w: 0, hw: 0 });
    if (!sameDim(padded, ys[k])) {
      throw env.error(`output axis ${k} is ${dimText(ys[k])}, expected ${dimText(padded)} (input plus pads)`);
    }
    if (isStatic(padded) && padded.c < 0) throw env.error(`pads crop more than axis ${k} (${xs[k].c}) holds`);
    if (mode !== "constant" && isStatic(xs[k]) && xs[k].c === 0 && padded.c > 0) {
      throw env.error(`mode '${mode}' cannot pad axis ${k}, which is empty`);
    }
  });
  return { xs, ys, mode: mode as PadMode, pads, fill: mode === "constant" ? padFill(env) : 0 };
}

/**
 * BatchNormalization's inference form: x [N, C, ...] and scale, B, mean and var of C values each
 * (their values are read at run time, so they may be computed too).
 */
export function batchNormGeometry(env: KernelFacts) {
  const xs = env.inputShape(0);
  if (xs.length < 2) throw env.error(`input has rank ${xs.length}, expected at least 2 (N, C, ...)`);
  if (env.int("training_mode", 0) !== 0 || env.kernel.outputs.length !== 1) {
    throw env.error("training mode (batch statistics, running outputs) is not supported; expected the inference form");
  }
  if (env.int("spatial", 1) !== 1) throw env.error("attribute 'spatial' = 0 (per-element statistics) is not supported");
  const C = env.staticDim(xs[1], "the channel count");
  ["scale", "B", "input_mean", "input_var"].forEach((name, k) => {
    const s = env.inputShape(k + 1);
    const size = s.reduce((p, d) => p * env.staticDim(d, `the size of ${name}`), 1);
    if (size !== C) throw env.error(`${name} has shape ${shapeText(s)}, expected [${C}] (one value per channel)`);
  });
  return { xs, C, epsilon: env.float("epsilon", 1e-5) };
}

/** Tile's repeats (input 1, folded at compile time): one non-negative integer per axis of x. */
export function tileRepeats(env: KernelFacts, xs: SymShape): readonly number[] {
  const repeats = env.constInts(1);
  if (!repeats) throw env.error("'repeats' must be a constant known when compiling");
  if (repeats.length !== xs.length || repeats.some((r) => !Number.isInteger(r) || r < 0)) {
    throw env.error(`'repeats' is [${repeats}], expected ${xs.length} non-negative integers`);
  }
  return repeats;
}
