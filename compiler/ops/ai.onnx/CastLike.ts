import { defineOp } from "../define.js";
import { castTensor } from "../support/cast.js";

export default defineOp({
  type: "CastLike",
  since: 15,
  inputs: [2, 2],
  shape: ([x, like]) => [{ dtype: like?.dtype, shape: x?.shape }],
  evaluate: ([x, like], ctx) => {
    if (!x || !like) throw ctx.error("missing input");
    return [castTensor(x, like.dtype)];
  },
});
