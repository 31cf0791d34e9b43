import { allocate } from "../../ir/dtype.js";
import { Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { normalizeAxis } from "../support/axes.js";

export default defineOp({
  type: "Gather",
  since: 1,
  inputs: [2, 2],
  shape: ([data, indices], ctx) => {
    if (!data?.shape || !indices?.shape) return [{ dtype: data?.dtype }];
    const axis = normalizeAxis(ctx.attrs.int("axis", 0), data.shape.length, ctx);
    return [
      { dtype: data.dtype, shape: [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)] },
    ];
  },
  evaluate: ([data, indices], ctx) => {
    if (!data || !indices) throw ctx.error("missing input");
    const axis = normalizeAxis(ctx.attrs.int("axis", 0), data.rank, ctx);
    const dim = data.shape[axis];
    const outer = data.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = data.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const idx = Array.from(indices.values, (i) => {
      if (i < -dim || i >= dim) throw ctx.error(`index ${i} is out of range for axis ${axis} of size ${dim}`);
      return i < 0 ? i + dim : i;
    });
    const shape = [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)];
    const out = allocate(data.dtype, outer * idx.length * inner) as unknown as unknown[];
    const src = data.data as unknown as readonly unknown[];
    let o = 0;
    for (let a = 0; a < outer; a++) {
      for (const i of idx) {
        const base = (a * dim + i) * inner;
        for (let b = 0; b < inner; b++) out[o++] = src[base + b];
      }
    }
    return [new Tensor(data.dtype, shape, out as unknown as Tensor["data"])];
  },
});
