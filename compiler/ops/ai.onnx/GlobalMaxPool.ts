import { sizeOf, Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";

/** The largest value of each (N, C) plane, NaN as soon as one is NaN (as ReduceMax over the spatial axes). */
export default defineOp({
  type: "GlobalMaxPool",
  since: 1,
  inputs: [1, 1],
  shape: ([x]) => [{ dtype: x?.dtype, shape: x?.shape?.map((d, i) => (i < 2 ? d : 1)) }],
  evaluate: ([x], ctx) => {
    if (!x) throw ctx.error("missing input");
    if (x.rank < 3) throw ctx.error(`input has rank ${x.rank}, expected at least 3 (N, C, spatial...)`);
    const planes = x.shape[0] * x.shape[1];
    const size = sizeOf(x.shape.slice(2));
    const xv = x.values;
    const y = new Float64Array(planes);
    for (let p = 0; p < planes; p++) {
      let acc = Number.NEGATIVE_INFINITY;
      for (let i = p * size; i < (p + 1) * size; i++) {
        const v = xv[i];
        if (v > acc || Number.isNaN(v)) acc = v;
      }
      y[p] = acc;
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
