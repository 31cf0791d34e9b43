import { Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { checkIntegerOperands, matmul, matmulDims, matmulParamIndex, removeZeroPoint } from "../support/quantized.js";

export default defineOp({
  type: "MatMulInteger",
  since: 10,
  inputs: [2, 4],
  shape: ([a, b]) => [{ dtype: "int32", shape: matmulDims(a, b) }],
  evaluate: ([a, b, aZp, bZp], ctx) => {
    if (!a || !b) throw ctx.error("missing input A or B");
    checkIntegerOperands(["A", a, aZp], ["B", b, bZp], ctx);
    const ac = removeZeroPoint(a, aZp, aZp ? matmulParamIndex(aZp, a.shape, true, "a_zero_point", ctx) : () => 0);
    const bc = removeZeroPoint(b, bZp, bZp ? matmulParamIndex(bZp, b.shape, false, "b_zero_point", ctx) : () => 0);
    const { shape, data } = matmul(ac, a.shape, bc, b.shape, ctx);
    return [Tensor.from("int32", shape, data)];
  },
});
