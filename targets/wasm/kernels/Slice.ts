import { isStatic } from "../../../compiler/plan/kernel-plan.js";
import { shapeSpec } from "../../shared/broadcast.js";
import { slicedAxes } from "../../shared/data-movement.js";
import type { Val } from "../dsl.js";
import { stridedCopy, stridesOf } from "./support/strided.js";
import type { WasmKernelGenerator } from "./types.js";

/** A strided copy (the output extents come from the plan; a first index may follow the image size). */
const slice: WasmKernelGenerator = (env) => {
  const xs = env.inputShape(0);
  const ys = env.outputShape(0);
  const sliced = slicedAxes(env, xs);
  const x = env.input(0);
  const y = env.output(0);
  const base = stridesOf(env, xs);
  const strides: Val[] = [...base];
  const offsets: Val[] = [];
  const m = env.fn.m;
  for (const { axis, first, step } of sliced) {
    const stride = base[axis];
    strides[axis] = () => m.i32.mul(env.fn.i32(step), stride());
    if (isStatic(first) && first.c === 0) continue;
    const at: Val = isStatic(first) ? () => env.fn.i32(first.c) : env.dim(first);
    offsets.push(() => m.i32.mul(at(), stride()));
  }
  const extents = ys.map((d) => env.dim(d));
  const offset = () => offsets.reduce((acc, o) => m.i32.add(acc, o()), env.fn.i32(0));
  const last = xs.length - 1;
  const stepped = sliced.some(({ axis, step }) => axis === last && step !== 1);
  return {
    spec: `slice_${shapeSpec(xs)}_to_${shapeSpec(ys)}`,
    body: stridedCopy(env, { x, y, extents, strides, offset, contiguous: stepped ? undefined : last }),
  };
};

export default slice;
