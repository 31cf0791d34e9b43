import { shapeSpec } from "../../shared/broadcast.js";
import { stridedCopy, stridesOf } from "./support/strided.js";
import type { WasmKernelGenerator } from "./types.js";

const transpose: WasmKernelGenerator = (env) => {
  const xs = env.inputShape(0);
  const rank = xs.length;
  const perm = env.ints(
    "perm",
    xs.map((_, k) => rank - 1 - k),
  );
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, k) => p !== k)) {
    throw env.error(`attribute 'perm' is [${perm}], expected a permutation of 0..${rank - 1}`);
  }
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
