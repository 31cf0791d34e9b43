import { sizeOf, Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { groupStats } from "../support/normalization.js";

export default defineOp({
  type: "InstanceNormalization",
  since: 6,
  inputs: [3, 3],
  shape: ([x]) => [{ dtype: x?.dtype, shape: x?.shape }],
  evaluate: ([x, scale, bias], ctx) => {
    if (!x || !scale || !bias) throw ctx.error("missing input");
    if (x.rank < 3) throw ctx.error(`input has rank ${x.rank}, expected at least 3 (N, C, spatial...)`);
    const [n, c] = x.shape;
    if (scale.size !== c || bias.size !== c) {
      throw ctx.error(`scale [${scale.shape}] and B [${bias.shape}] must have ${c} values, one per channel`);
    }
    const size = sizeOf(x.shape.slice(2));
    const { mean, invStd } = groupStats(x.values, n * c, size, ctx.attrs.float("epsilon", 1e-5));
    const xv = x.values;
    const y = new Float64Array(x.size);
    for (let g = 0; g < n * c; g++) {
      const s = scale.values[g % c] * invStd[g];
      const b = bias.values[g % c];
      for (let i = g * size; i < (g + 1) * size; i++) y[i] = (xv[i] - mean[g]) * s + b;
    }
    return [Tensor.from(x.dtype, x.shape, y)];
  },
});
