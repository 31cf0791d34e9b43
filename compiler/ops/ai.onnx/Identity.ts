import { defineOp } from "../define.js";

export default defineOp({
  type: "Identity",
  since: 1,
  inputs: [1, 1],
  shape: ([x]) => [{ dtype: x?.dtype, shape: x?.shape }],
  evaluate: ([x], ctx) => {
    if (!x) throw ctx.error("missing input");
    return [x];
  },
});
