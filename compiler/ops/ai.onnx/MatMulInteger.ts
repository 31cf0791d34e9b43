import { Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { checkZeroPointType, matmul, matmulDims, matmulParamIndex, removeZeroPoint } from "../support/quantized.js";

const EIGHT_BIT = ["int8", "uint8"];

export default defineOp({
  type: "MatMulInteger",
  since: 10,
  inputs: [2, 4],
  shape: ([a, b]) => [{ dtype: "int32", shape: matmulDims(a, b) }],
  evaluate: ([a, b, aZp, bZp], ctx) => {
    if (!a || !b) throw ctx.error("missing input A or B");
    for (const [name, t] of [
      ["A", a],
      ["B", b],
    ] as const) {
      if (!EIGHT_BIT.includes(t.dtype)) throw ctx.error(`input ${name} is ${t.dtype}, expected int8 or uint8`);
    }
    checkZeroPointType(a, aZp, "a_zero_point", ctx);
    checkZeroPointType(b, bZp, "b_zero_point", ctx);
    const ac = removeZeroPoint(a, aZp, aZp ? matmulParamIndex(aZp, a.shape, true, "a_zero_point", ctx) : () => 0);
    const bc = removeZeroPoint(b, bZp, bZp ? matmulParamIndex(bZp, b.shape, false, "b_zero_point", ctx) : () => 0);
    const { shape, data } = matmul(ac, a.shape, bc, b.shape, ctx);
    return [Tensor.from("int32", shape, data)];
  },
});
