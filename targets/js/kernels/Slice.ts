import { isStatic } from "../../../compiler/plan/kernel-plan.js";
import { slicedAxes } from "../../shared/data-movement.js";
import { stridesOf } from "./support/axes.js";
import { shapeSpec } from "./support/shapes.js";
import { writeStridedCopy } from "./support/strided.js";
import type { KernelGenerator } from "./types.js";

/** A strided copy (the output extents come from the plan; a first index may follow the image size). */
const slice: KernelGenerator = (env) => {
  const xs = env.inputShape(0);
  const ys = env.outputShape(0);
  const sliced = slicedAxes(env, xs);
  const x = env.input(0, "x");
  const y = env.output(0, "y");
  const base = stridesOf(env, xs, "s");
  const strides = [...base];
  const offsets: string[] = [];
  for (const { axis, first, step } of sliced) {
    strides[axis] = step === 1 ? base[axis] : `${step} * ${base[axis]}`;
    if (isStatic(first) && first.c === 0) continue;
    const at = isStatic(first) ? String(first.c) : env.dim(first, `f${axis}`);
    offsets.push(base[axis] === "1" ? at : `${at} * ${base[axis]}`);
  }
  const extents = ys.map((d, k) => env.dim(d, `n${k}`));
  return {
    spec: `slice_${shapeSpec(xs)}_to_${shapeSpec(ys)}`,
    body: (w) => writeStridedCopy(w, { x, y, extents, strides, offset: offsets.join(" + ") || "0" }),
  };
};

export default slice;
