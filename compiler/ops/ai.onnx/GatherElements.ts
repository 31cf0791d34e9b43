import { allocate } from "../../ir/dtype.js";
import { stridesOf, Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { normalizeAxis } from "../support/axes.js";

/** out[i..., j, k...] = data[i..., indices[i..., j, k...], k...] along `axis`. */
export default defineOp({
  type: "GatherElements",
  since: 11,
  inputs: [2, 2],
  shape: ([data, indices]) => [{ dtype: data?.dtype, shape: indices?.shape }],
  evaluate: ([data, indices], ctx) => {
    if (!data || !indices) throw ctx.error("missing input");
    if (indices.rank !== data.rank) throw ctx.error(`indices have rank ${indices.rank}, data rank ${data.rank}`);
    const axis = normalizeAxis(ctx.attrs.int("axis", 0), data.rank, ctx);
    const dim = data.shape[axis];
    const ds = stridesOf(data.shape);
    const out = allocate(data.dtype, indices.size) as unknown as unknown[];
    const src = data.data as unknown as readonly unknown[];
    const iv = indices.values;
    const idx = new Array<number>(indices.rank).fill(0);
    for (let n = 0; n < iv.length; n++) {
      const i = iv[n];
      if (i < -dim || i >= dim) throw ctx.error(`index ${i} is out of range for axis ${axis} of size ${dim}`);
      let j = 0;
      for (let k = 0; k < idx.length; k++) j += (k === axis ? (i < 0 ? i + dim : i) : idx[k]) * ds[k];
      out[n] = src[j];
      for (let k = idx.length - 1; k >= 0; k--) {
        if (++idx[k] < indices.shape[k]) break;
        idx[k] = 0;
      }
    }
    return [new Tensor(data.dtype, indices.shape, out as unknown as Tensor["data"])];
  },
});
