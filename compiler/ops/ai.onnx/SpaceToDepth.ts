import type { Dim } from "../../ir/graph.js";
import { stridesOf } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { copyView } from "../support/strided.js";

/** [N, C, H, W] -> [N, C·b², H/b, W/b], the output channel read as (b1, b2, c). */
export default defineOp({
  type: "SpaceToDepth",
  since: 1,
  inputs: [1, 1],
  shape: ([x], ctx) => {
    if (!x?.shape) return [{ dtype: x?.dtype }];
    const b = ctx.attrs.int("blocksize");
    const [n, c, h, w] = x.shape;
    const div = (d: Dim): Dim => (typeof d === "number" ? d / b : null);
    return [{ dtype: x.dtype, shape: [n, typeof c === "number" ? c * b * b : null, div(h), div(w)] }];
  },
  evaluate: ([x], ctx) => {
    if (!x) throw ctx.error("missing input");
    if (x.rank !== 4) throw ctx.error(`input has rank ${x.rank}, expected 4 (N, C, H, W)`);
    const b = ctx.attrs.int("blocksize");
    const [n, c, h, w] = x.shape;
    if (b < 1 || h % b !== 0 || w % b !== 0)
      throw ctx.error(`spatial size ${h}x${w} is not divisible by blocksize ${b}`);
    const [sn, sc, sh, sw] = stridesOf(x.shape);
    const view = { shape: [n, b, b, c, h / b, w / b], strides: [sn, sh, sw, sc, b * sh, b * sw], offset: 0 };
    return [copyView(x, view).reshape([n, c * b * b, h / b, w / b])];
  },
});
