import { transposePerm } from "../../shared/data-movement.js";
import { stridesOf } from "./support/axes.js";
import { shapeSpec } from "./support/shapes.js";
import { writeStridedCopy } from "./support/strided.js";
import type { KernelGenerator } from "./types.js";

const transpose: KernelGenerator = (env) => {
  const xs = env.inputShape(0);
  const perm = transposePerm(env, xs);
  const x = env.input(0, "x");
  const y = env.output(0, "y");
  const inStrides = stridesOf(env, xs, "s");
  const extents = perm.map((p, k) => env.dim(xs[p], `n${k}`));
  return {
    spec: `transpose_${shapeSpec(xs)}_p${perm.join("")}`,
    body: (w) => writeStridedCopy(w, { x, y, extents, strides: perm.map((p) => inStrides[p]), offset: "0" }),
  };
};

export default transpose;
