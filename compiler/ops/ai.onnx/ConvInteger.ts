import { Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { checkIntegerOperands, convOutputDims, integerConv } from "../support/quantized.js";

export default defineOp({
  type: "ConvInteger",
  since: 10,
  inputs: [2, 4],
  shape: ([x, w], ctx) => [{ dtype: "int32", shape: convOutputDims(x, w, ctx) }],
  evaluate: ([x, w, xZp, wZp], ctx) => {
    if (!x || !w) throw ctx.error("missing input x or w");
    checkIntegerOperands(["x", x, xZp], ["w", w, wZp], ctx);
    const { shape, acc } = integerConv(x, xZp, w, wZp, undefined, ctx);
    return [Tensor.from("int32", shape, acc)];
  },
});
