import { Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { checkZeroPointType, convOutputDims, integerConv } from "../support/quantized.js";

const EIGHT_BIT = ["int8", "uint8"];

export default defineOp({
  type: "ConvInteger",
  since: 10,
  inputs: [2, 4],
  shape: ([x, w], ctx) => [{ dtype: "int32", shape: convOutputDims(x, w, ctx) }],
  evaluate: ([x, w, xZp, wZp], ctx) => {
    if (!x || !w) throw ctx.error("missing input x or w");
    for (const [name, t] of [
      ["x", x],
      ["w", w],
    ] as const) {
      if (!EIGHT_BIT.includes(t.dtype)) throw ctx.error(`input ${name} is ${t.dtype}, expected int8 or uint8`);
    }
    checkZeroPointType(x, xZp, "x_zero_point", ctx);
    checkZeroPointType(w, wZp, "w_zero_point", ctx);
    const { shape, acc } = integerConv(x, xZp, w, wZp, undefined, ctx);
    return [Tensor.from("int32", shape, acc)];
  },
});
