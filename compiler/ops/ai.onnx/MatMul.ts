import { Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { sameDType } from "../support/elementwise.js";
import { dotRoundingOf, matmulDims, matmulFloat } from "../support/matmul.js";

export default defineOp({
  type: "MatMul",
  since: 1,
  inputs: [2, 2],
  shape: (inputs, ctx) => {
    const [a, b] = inputs;
    const dtype = sameDType(inputs, ctx);
    if (!a?.shape || !b?.shape) return [{ dtype }];
    return [{ dtype, shape: matmulDims(a.shape, b.shape, (w) => ctx.error(w)) }];
  },
  evaluate: (inputs, ctx) => {
    const [a, b] = inputs;
    if (!a || !b) throw ctx.error("missing input");
    const dtype = sameDType(inputs, ctx) ?? a.dtype;
    const rounding = dotRoundingOf(dtype);
    const { shape, data } = matmulFloat(a.values, a.shape, b.values, b.shape, rounding, (w) => ctx.error(w));
    return [Tensor.from(dtype, shape, data)];
  },
});
