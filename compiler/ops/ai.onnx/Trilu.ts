import { Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";

/** Keeps the upper (j - i >= k) or lower (j - i <= k) triangle of each trailing matrix; zeros elsewhere. */
export default defineOp({
  type: "Trilu",
  since: 14,
  inputs: [1, 2],
  shape: ([x]) => [{ dtype: x?.dtype, shape: x?.shape }],
  evaluate: ([x, kInput], ctx) => {
    if (!x) throw ctx.error("missing input");
    if (x.rank < 2) throw ctx.error(`input has rank ${x.rank}, expected at least 2`);
    const k = kInput ? kInput.item() : 0;
    const upper = ctx.attrs.int("upper", 1) === 1;
    const [rows, cols] = x.shape.slice(-2);
    const out = Tensor.zeros(x.dtype, x.shape);
    const o = out.values;
    const v = x.values;
    for (let n = 0; n < v.length; n++) {
      const j = n % cols;
      const i = Math.floor(n / cols) % rows;
      if (upper ? j - i >= k : j - i <= k) o[n] = v[n];
    }
    return [out];
  },
});
