import { isFloat } from "../../ir/dtype.js";
import type { Dim } from "../../ir/graph.js";
import { defineOp } from "../define.js";
import { broadcastShapeRule, mapBroadcast, sameDType } from "../support/elementwise.js";

/**
 * Before opset 7 a 1-D slope of more than one element held one value per channel (axis 1); from 7
 * on the slope broadcasts numpy-style to X's shape (unidirectionally): the output has X's shape.
 */
function channelAxisShape<T extends Dim>(slope: readonly T[], xRank: number, opset: number, one: T): readonly T[] {
  if (opset >= 7 || slope.length !== 1 || slope[0] === 1 || xRank < 2) return slope;
  return [slope[0], ...new Array<T>(xRank - 2).fill(one)];
}

export default defineOp({
  type: "PRelu",
  since: 6,
  inputs: [2, 2],
  shape: ([x, slope], ctx) => {
    const aligned = x?.shape && slope?.shape ? channelAxisShape(slope.shape, x.shape.length, ctx.opset, 1) : undefined;
    broadcastShapeRule([x, aligned ? { dtype: slope?.dtype, shape: aligned } : slope], ctx);
    return [{ dtype: x?.dtype, shape: x?.shape }];
  },
  evaluate: ([x, slope], ctx) => {
    if (!x || !slope) throw ctx.error("missing input");
    const dtype = sameDType([x, slope], ctx) ?? x.dtype;
    if (!isFloat(dtype) && dtype !== "int32" && dtype !== "int64" && dtype !== "uint32" && dtype !== "uint64") {
      throw ctx.error(`input is ${dtype}, expected a floating type or a 32/64-bit integer`);
    }
    const aligned = slope.reshape(channelAxisShape(slope.shape, x.rank, ctx.opset, 1));
    const y = mapBroadcast([x, aligned], dtype, (v, s) => (v < 0 ? s * v : v), ctx);
    if (y.rank !== x.rank || y.shape.some((d, i) => d !== x.shape[i])) {
      throw ctx.error(`slope of shape [${slope.shape}] does not broadcast to X's shape [${x.shape}]`);
    }
    return [y];
  },
});
