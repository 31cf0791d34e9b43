import { allocate, type NumericArray } from "../../ir/dtype.js";
import { sizeOf, Tensor } from "../../ir/tensor.js";
import { requantize, requantMultiplier } from "../../quant/linear.js";
import { defineOp } from "../define.js";
import {
  checkIntegerOperands,
  checkScaleTypes,
  convOutputDims,
  integerConv,
  isEightBit,
} from "../support/quantized.js";

export default defineOp({
  type: "QLinearConv",
  since: 10,
  inputs: [8, 9],
  shape: ([x, , , w, , , , yZp], ctx) => [{ dtype: yZp?.dtype ?? x?.dtype, shape: convOutputDims(x, w, ctx) }],
  evaluate: ([x, xScale, xZp, w, wScale, wZp, yScale, yZp, bias], ctx) => {
    if (!x || !w || !xScale || !wScale || !yScale) throw ctx.error("missing input x, w or a scale");
    checkIntegerOperands(["x", x, xZp], ["w", w, wZp], ctx);
    if (bias && bias.dtype !== "int32") throw ctx.error(`bias is ${bias.dtype}, expected int32`);
    const scaleType = checkScaleTypes([xScale, wScale, yScale], ctx);
    const outType = yZp?.dtype ?? x.dtype;
    if (!isEightBit(outType)) throw ctx.error(`y_zero_point is ${outType}, expected int8 or uint8`);
    const m = w.shape[0];
    if (xScale.size !== 1 || yScale.size !== 1 || (yZp && yZp.size !== 1)) {
      throw ctx.error("x_scale, y_scale and y_zero_point must be scalars (per-tensor)");
    }
    if (wScale.size !== 1 && (wScale.rank !== 1 || wScale.shape[0] !== m)) {
      throw ctx.error(`w_scale has shape [${wScale.shape}], expected a scalar or [${m}] (per output channel)`);
    }
    const { shape, acc } = integerConv(x, xZp, w, wZp, bias, ctx);
    const ws = wScale.values;
    const multipliers = Array.from({ length: m }, (_, c) =>
      requantMultiplier(xScale.item(), ws[wScale.size === 1 ? 0 : c], yScale.item(), scaleType),
    );
    const zeroPoint = yZp ? yZp.item() : 0;
    const spatial = sizeOf(shape.slice(2));
    const out = allocate(outType, acc.length) as NumericArray;
    for (let i = 0; i < acc.length; i++) {
      const channel = Math.floor(i / spatial) % m;
      out[i] = requantize(acc[i] | 0, multipliers[channel], zeroPoint, outType);
    }
    return [new Tensor(outType, shape, out)];
  },
});
