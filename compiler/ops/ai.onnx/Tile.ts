import type { Dim } from "../../ir/graph.js";
import { stridesOf } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { intList } from "../support/axes.js";
import { copyView } from "../support/strided.js";

export default defineOp({
  type: "Tile",
  since: 6,
  inputs: [2, 2],
  shape: ([x], ctx) => {
    const repeats = intList(ctx.constant(1));
    if (!x?.shape) return [{ dtype: x?.dtype }];
    if (!repeats) return [{ dtype: x.dtype, shape: x.shape.map(() => null) }];
    if (repeats.length !== x.shape.length)
      throw ctx.error(`'repeats' has ${repeats.length} entries for rank ${x.shape.length}`);
    return [{ dtype: x.dtype, shape: x.shape.map((d, k): Dim => (typeof d === "number" ? d * repeats[k] : null)) }];
  },
  evaluate: ([x, repeatsInput], ctx) => {
    if (!x) throw ctx.error("missing input");
    const repeats = intList(repeatsInput) ?? [];
    if (repeats.length !== x.rank) throw ctx.error(`'repeats' has ${repeats.length} entries for rank ${x.rank}`);
    if (repeats.some((r) => r < 0 || !Number.isInteger(r)))
      throw ctx.error(`'repeats' [${repeats}] must be non-negative integers`);
    // Viewed as [r0, d0, r1, d1, ...] with stride 0 on each repeat axis, the copy is the tiled tensor.
    const own = stridesOf(x.shape);
    const view = {
      shape: x.shape.flatMap((d, k) => [repeats[k], d]),
      strides: own.flatMap((s) => [0, s]),
      offset: 0,
    };
    return [copyView(x, view).reshape(x.shape.map((d, k) => d * repeats[k]))];
  },
});
