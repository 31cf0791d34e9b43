import type { Dim } from "../../ir/graph.js";
import { sizeOf, Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { broadcastIndexer } from "../support/broadcast.js";
import { groupStats, normalizeAxis, stashType } from "../support/normalization.js";

export default defineOp({
  type: "LayerNormalization",
  since: 17,
  inputs: [2, 3],
  shape: ([x], ctx) => {
    const stash = stashType(ctx);
    if (!x?.shape) return [{ dtype: x?.dtype }, { dtype: stash }, { dtype: stash }];
    const axis = normalizeAxis(ctx, ctx.attrs.int("axis", -1), x.shape.length);
    const stats: Dim[] = x.shape.map((d, i) => (i < axis ? d : 1));
    return [
      { dtype: x.dtype, shape: x.shape },
      { dtype: stash, shape: stats },
      { dtype: stash, shape: stats },
    ];
  },
  evaluate: ([x, scale, bias], ctx) => {
    if (!x || !scale) throw ctx.error("missing input X or Scale");
    const axis = normalizeAxis(ctx, ctx.attrs.int("axis", -1), x.rank);
    const epsilon = ctx.attrs.float("epsilon", 1e-5);
    const inner = x.shape.slice(axis);
    const size = sizeOf(inner);
    const groups = sizeOf(x.shape.slice(0, axis));
    const { mean, invStd } = groupStats(x.values, groups, size, epsilon);
    const sAt = broadcastIndexer(scale.shape, inner);
    const bAt = bias ? broadcastIndexer(bias.shape, inner) : undefined;
    const xv = x.values;
    const sv = scale.values;
    const bv = bias?.values;
    const y = new Float64Array(x.size);
    for (let g = 0; g < groups; g++) {
      for (let i = 0; i < size; i++) {
        const k = g * size + i;
        y[k] = (xv[k] - mean[g]) * invStd[g] * sv[sAt(i)] + (bv && bAt ? bv[bAt(i)] : 0);
      }
    }
    const stash = stashType(ctx);
    const statsShape = x.shape.map((d, i) => (i < axis ? d : 1));
    return [
      Tensor.from(x.dtype, x.shape, y),
      Tensor.from(stash, statsShape, mean),
      Tensor.from(stash, statsShape, invStd),
    ];
  },
});
