import { defineOp, type OpContext } from "../define.js";
import { dimProduct } from "../support/axes.js";

/** Flatten's axis may equal the rank (everything goes to the first dim), so it has its own range. */
function flattenAxis(rank: number, ctx: OpContext): number {
  const axis = ctx.attrs.int("axis", 1);
  if (axis < -rank || axis > rank)
    throw ctx.error(`axis ${axis} is out of range for rank ${rank} (expected ${-rank} to ${rank})`);
  return axis < 0 ? axis + rank : axis;
}

export default defineOp({
  type: "Flatten",
  since: 1,
  inputs: [1, 1],
  shape: ([x], ctx) => {
    if (!x?.shape) return [{ dtype: x?.dtype, shape: undefined }];
    const axis = flattenAxis(x.shape.length, ctx);
    return [{ dtype: x.dtype, shape: [dimProduct(x.shape.slice(0, axis)), dimProduct(x.shape.slice(axis))] }];
  },
  evaluate: ([x], ctx) => {
    if (!x) throw ctx.error("missing input");
    const axis = flattenAxis(x.rank, ctx);
    const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    return [x.reshape([outer, outer === 0 ? 0 : x.size / outer])];
  },
});
