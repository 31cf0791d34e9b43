import { sizeOf, Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";

export default defineOp({
  type: "GlobalAveragePool",
  since: 1,
  inputs: [1, 1],
  shape: ([x]) => [{ dtype: x?.dtype, shape: x?.shape?.map((d, i) => (i < 2 ? d : 1)) }],
  evaluate: ([x], ctx) => {
    if (!x) throw ctx.error("missing input");
    if (x.rank < 2) throw ctx.error(`input has rank ${x.rank}, expected at least 2 (N, C, ...)`);
    const planes = x.shape[0] * x.shape[1];
    const size = sizeOf(x.shape.slice(2));
    const xv = x.values;
    const y = new Float64Array(planes);
    for (let p = 0; p < planes; p++) {
      let sum = 0;
      for (let i = p * size; i < (p + 1) * size; i++) sum += xv[i];
      y[p] = sum / size;
    }
    return [
      Tensor.from(
        x.dtype,
        x.shape.map((d, i) => (i < 2 ? d : 1)),
        y,
      ),
    ];
  },
});
