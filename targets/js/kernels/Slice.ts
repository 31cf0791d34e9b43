import { normalizeAxis, stridesOf } from "./support/axes.js";
import { shapeSpec } from "./support/shapes.js";
import { writeStridedCopy } from "./support/strided.js";
import type { KernelEnv, KernelGenerator } from "./types.js";

/** The first index ONNX Slice reads on an axis of `dim` elements (negative counts from the end). */
function firstIndex(start: number, step: number, dim: number): number {
  const s = start < 0 ? start + dim : start;
  return step > 0 ? Math.min(Math.max(s, 0), dim) : Math.min(Math.max(s, 0), dim - 1);
}

/** starts/ends/axes/steps: inputs 1-4 folded at compile time, or the attributes of opsets 1-9. */
function sliceSpec(env: KernelEnv, rank: number) {
  const starts = env.constInts(1) ?? env.ints("starts");
  const axes = (
    env.constInts(3) ??
    env.ints(
      "axes",
      starts.map((_, i) => i),
    )
  ).map((a) => normalizeAxis(env, a, rank, "sliced axis"));
  const steps = env.constInts(4) ?? starts.map(() => 1);
  if (axes.length !== starts.length || steps.length !== starts.length || steps.includes(0)) {
    throw env.error(`starts [${starts}], axes [${axes}] and steps [${steps}] do not describe a slice`);
  }
  return { starts, axes, steps };
}

/** A strided copy; sliced axes must have sizes fixed at compile time (their output extents come from the plan). */
const slice: KernelGenerator = (env) => {
  const xs = env.inputShape(0);
  const ys = env.outputShape(0);
  const { starts, axes, steps } = sliceSpec(env, xs.length);
  const x = env.input(0, "x");
  const y = env.output(0, "y");
  const base = stridesOf(env, xs, "s");
  const strides = [...base];
  const offsets: string[] = [];
  axes.forEach((a, i) => {
    const dim = env.staticDim(xs[a], `sliced axis ${a}`);
    const first = firstIndex(starts[i], steps[i], dim);
    strides[a] = steps[i] === 1 ? base[a] : `${steps[i]} * ${base[a]}`;
    if (first !== 0) offsets.push(base[a] === "1" ? String(first) : `${first} * ${base[a]}`);
  });
  const extents = ys.map((d, k) => env.dim(d, `n${k}`));
  return {
    spec: `slice_${shapeSpec(xs)}_to_${shapeSpec(ys)}`,
    body: (w) => writeStridedCopy(w, { x, y, extents, strides, offset: offsets.join(" + ") || "0" }),
  };
};

export default slice;
