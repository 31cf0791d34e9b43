import { sizeOf, Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { groupStats } from "../support/normalization.js";

// Opset 18 took scale and bias per group; opset 21 takes them per channel.
export default defineOp({
  type: "GroupNormalization",
  since: 18,
  inputs: [3, 3],
  shape: ([x]) => [{ dtype: x?.dtype, shape: x?.shape }],
  evaluate: ([x, scale, bias], ctx) => {
    if (!x || !scale || !bias) throw ctx.error("missing input");
    if (x.rank < 2) throw ctx.error(`input has rank ${x.rank}, expected at least 2 (N, C, ...)`);
    const [n, c] = x.shape;
    const groups = ctx.attrs.int("num_groups");
    if (groups < 1 || c % groups !== 0) throw ctx.error(`num_groups ${groups} does not divide the ${c} channels`);
    const perChannel = ctx.opset >= 21;
    const expected = perChannel ? c : groups;
    if (scale.size !== expected || bias.size !== expected) {
      throw ctx.error(
        `scale [${scale.shape}] and bias [${bias.shape}] must have ${expected} values (one per ${perChannel ? "channel" : "group"} at opset ${ctx.opset})`,
      );
    }
    const spatial = sizeOf(x.shape.slice(2));
    const perGroup = c / groups;
    const size = perGroup * spatial;
    const { mean, invStd } = groupStats(x.values, n * groups, size, ctx.attrs.float("epsilon", 1e-5));
    const xv = x.values;
    const y = new Float64Array(x.size);
    for (let b = 0; b < n; b++) {
      for (let ch = 0; ch < c; ch++) {
        const g = b * groups + Math.floor(ch / perGroup);
        const p = perChannel ? ch : Math.floor(ch / perGroup);
        const s = scale.values[p] * invStd[g];
        const sh = bias.values[p];
        const base = (b * c + ch) * spatial;
        for (let i = base; i < base + spatial; i++) y[i] = (xv[i] - mean[g]) * s + sh;
      }
    }
    return [Tensor.from(x.dtype, x.shape, y)];
  },
});
