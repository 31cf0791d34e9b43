import { stridesOf } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { intList } from "../support/axes.js";
import { broadcastDims, broadcastShapes } from "../support/broadcast.js";
import { copyView } from "../support/strided.js";

export default defineOp({
  type: "Expand",
  since: 8,
  inputs: [2, 2],
  shape: ([x], ctx) => {
    const target = intList(ctx.constant(1));
    if (!x?.shape || !target) return [{ dtype: x?.dtype }];
    const shape = broadcastDims([x.shape, target]);
    if (!shape) throw ctx.error(`input shape [${x.shape}] does not broadcast with [${target}]`);
    return [{ dtype: x.dtype, shape }];
  },
  evaluate: ([x, shapeInput], ctx) => {
    if (!x || !shapeInput) throw ctx.error("missing input");
    const target = intList(shapeInput) ?? [];
    const shape = broadcastShapes([x.shape, target]);
    if (!shape) throw ctx.error(`input shape [${x.shape}] does not broadcast with [${target}]`);
    // Broadcast dims read the same element again: stride 0; leading new dims likewise.
    const own = stridesOf(x.shape);
    const lead = shape.length - x.rank;
    const strides = shape.map((_, k) => (k < lead || x.shape[k - lead] === 1 ? 0 : own[k - lead]));
    return [copyView(x, { shape, strides, offset: 0 })];
  },
});
