import { allocate, type NumericArray } from "../../ir/dtype.js";
import { Tensor } from "../../ir/tensor.js";
import { requantize, requantMultiplier } from "../../quant/linear.js";
import { defineOp } from "../define.js";
import {
  checkIntegerOperands,
  checkScaleTypes,
  isEightBit,
  matmul,
  matmulDims,
  matmulParamIndex,
  removeZeroPoint,
} from "../support/quantized.js";

export default defineOp({
  type: "QLinearMatMul",
  since: 10,
  inputs: [8, 8],
  shape: ([a, , , b, , , , yZp]) => [{ dtype: yZp?.dtype ?? a?.dtype, shape: matmulDims(a, b) }],
  evaluate: ([a, aScale, aZp, b, bScale, bZp, yScale, yZp], ctx) => {
    if (!a || !b || !aScale || !bScale || !yScale) throw ctx.error("missing input a, b or a scale");
    checkIntegerOperands(["a", a, aZp], ["b", b, bZp], ctx);
    const scaleType = checkScaleTypes([aScale, bScale, yScale], ctx);
    const outType = yZp?.dtype ?? a.dtype;
    if (!isEightBit(outType)) throw ctx.error(`y_zero_point is ${outType}, expected int8 or uint8`);
    const ac = removeZeroPoint(a, aZp, aZp ? matmulParamIndex(aZp, a.shape, true, "a_zero_point", ctx) : () => 0);
    const bc = removeZeroPoint(b, bZp, bZp ? matmulParamIndex(bZp, b.shape, false, "b_zero_point", ctx) : () => 0);
    const { shape, data } = matmul(ac, a.shape, bc, b.shape, ctx);
    // a's and y's parameters go per row of the result, b's per column.
    const ai = matmulParamIndex(aScale, shape, true, "a_scale", ctx);
    const bi = matmulParamIndex(bScale, shape, false, "b_scale", ctx);
    const yi = matmulParamIndex(yScale, shape, true, "y_scale", ctx);
    const zi = yZp ? matmulParamIndex(yZp, shape, true, "y_zero_point", ctx) : () => 0;
    const [as, bs, ys] = [aScale.values, bScale.values, yScale.values];
    const z = yZp?.values;
    const out = allocate(outType, data.length) as NumericArray;
    for (let i = 0; i < data.length; i++) {
      const multiplier = requantMultiplier(as[ai(i)], bs[bi(i)], ys[yi(i)], scaleType);
      out[i] = requantize(data[i] | 0, multiplier, z ? z[zi(i)] : 0, outType);
    }
    return [new Tensor(outType, shape, out)];
  },
});
