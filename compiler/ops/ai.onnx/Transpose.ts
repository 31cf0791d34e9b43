import { defineOp, type OpContext } from "../define.js";
import { transposeTensor } from "../support/strided.js";

/** The permutation, defaulting to reversed axes; it must name every axis exactly once. */
function permutation(rank: number, ctx: OpContext): number[] {
  const perm = ctx.attrs.has("perm") ? [...ctx.attrs.ints("perm")] : [...Array(rank).keys()].reverse();
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== rank || sorted.some((p, k) => p !== k)) {
    throw ctx.error(`attribute 'perm' is [${perm}], expected a permutation of 0..${rank - 1}`);
  }
  return perm;
}

export default defineOp({
  type: "Transpose",
  since: 1,
  inputs: [1, 1],
  shape: ([x], ctx) => {
    if (!x?.shape) return [{ dtype: x?.dtype, shape: undefined }];
    const shape = x.shape;
    return [{ dtype: x.dtype, shape: permutation(shape.length, ctx).map((p) => shape[p]) }];
  },
  evaluate: ([x], ctx) => {
    if (!x) throw ctx.error("missing input");
    return [transposeTensor(x, permutation(x.rank, ctx))];
  },
});
