import { Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";

export default defineOp({
  type: "Size",
  since: 1,
  inputs: [1, 1],
  shape: () => [{ dtype: "int64", shape: [] }],
  evaluate: ([x], ctx) => {
    if (!x) throw ctx.error("missing input");
    return [Tensor.scalar("int64", x.size)];
  },
});
