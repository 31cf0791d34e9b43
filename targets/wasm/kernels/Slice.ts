import { shapeSpec } from "../../shared/broadcast.js";
import type { Val } from "../dsl.js";
import { normalizeAxis } from "./support/axes.js";
import { stridedCopy, stridesOf } from "./support/strided.js";
import type { WasmKernelEnv, WasmKernelGenerator } from "./types.js";

/** The first index ONNX Slice reads on an axis of `dim` elements (negative counts from the end). */
function firstIndex(start: number, step: number, dim: number): number {
  const s = start < 0 ? start + dim : start;
  return step > 0 ? Math.min(Math.max(s, 0), dim) : Math.min(Math.max(s, 0), dim - 1);
}

function sliceSpec(env: WasmKernelEnv, rank: number) {
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

/** A strided copy; sliced axes must have sizes fixed at compile time. */
const slice: WasmKernelGenerator = (env) => {
  const xs = env.inputShape(0);
  const ys = env.outputShape(0);
  const { starts, axes, steps } = sliceSpec(env, xs.length);
  const x = env.input(0);
  const y = env.output(0);
  const base = stridesOf(env, xs);
  const strides: Val[] = [...base];
  const offsets: Val[] = [];
  const m = env.fn.m;
  axes.forEach((a, i) => {
    const dim = env.staticDim(xs[a], `sliced axis ${a}`);
    const first = firstIndex(starts[i], steps[i], dim);
    const stride = base[a];
    strides[a] = () => m.i32.mul(env.fn.i32(steps[i]), stride());
    if (first !== 0) offsets.push(() => m.i32.mul(env.fn.i32(first), stride()));
  });
  const extents = ys.map((d) => env.dim(d));
  const offset = () => offsets.reduce((acc, o) => m.i32.add(acc, o()), env.fn.i32(0));
  const last = xs.length - 1;
  const stepped = axes.some((a, i) => a === last && steps[i] !== 1);
  return {
    spec: `slice_${shapeSpec(xs)}_to_${shapeSpec(ys)}`,
    body: stridedCopy(env, { x, y, extents, strides, offset, contiguous: stepped ? undefined : last }),
  };
};

export default slice;
