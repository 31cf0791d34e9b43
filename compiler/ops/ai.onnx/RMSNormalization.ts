import { sizeOf, Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { broadcastIndexer } from "../support/broadcast.js";
import { groupStats, normalizeAxis } from "../support/normalization.js";

export default defineOp({
  type: "RMSNormalization",
  since: 23,
  inputs: [2, 2],
  shape: ([x]) => [{ dtype: x?.dtype, shape: x?.shape }],
  evaluate: ([x, scale], ctx) => {
    if (!x || !scale) throw ctx.error("missing input X or scale");
    const axis = normalizeAxis(ctx, ctx.attrs.int("axis", -1), x.rank);
    const epsilon = ctx.attrs.float("epsilon", 1e-5);
    const inner = x.shape.slice(axis);
    const size = sizeOf(inner);
    const groups = sizeOf(x.shape.slice(0, axis));
    const { invStd } = groupStats(x.values, groups, size, epsilon, { centered: false });
    const sAt = broadcastIndexer(scale.shape, inner);
    const xv = x.values;
    const sv = scale.values;
    const y = new Float64Array(x.size);
    for (let g = 0; g < groups; g++) {
      for (let i = 0; i < size; i++) y[g * size + i] = xv[g * size + i] * invStd[g] * sv[sAt(i)];
    }
    return [Tensor.from(x.dtype, x.shape, y)];
  },
});
