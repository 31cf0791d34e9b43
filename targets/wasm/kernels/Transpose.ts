import { shapeSpec } from "../../shared/broadcast.js";
import { transposePerm } from "../../shared/data-movement.js";
import { stridedCopy, stridesOf } from "./support/strided.js";
import type { WasmKernelGenerator } from "./types.js";

const transpose: WasmKernelGenerator = (env) => {
  const xs = env.inputShape(0);
  const rank = xs.length;
  const perm = transposePerm(env, xs);
  const x = env.input(0);
  const y = env.output(0);
  const inStrides = stridesOf(env, xs);
  const extents = perm.map((p) => env.dim(xs[p]));
  return {
    spec: `transpose_${shapeSpec(xs)}_p${perm.join("")}`,
    body: stridedCopy(env, {
      x,
      y,
      extents,
      strides: perm.map((p) => inStrides[p]),
      offset: () => env.fn.i32(0),
      contiguous: perm.indexOf(rank - 1),
    }),
  };
};

export default transpose;
