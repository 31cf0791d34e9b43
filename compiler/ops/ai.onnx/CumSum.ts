import { Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { normalizeAxis } from "../support/axes.js";

export default defineOp({
  type: "CumSum",
  since: 11,
  inputs: [2, 2],
  shape: ([x]) => [{ dtype: x?.dtype, shape: x?.shape }],
  evaluate: ([x, axisInput], ctx) => {
    if (!x || !axisInput) throw ctx.error("missing input");
    if (axisInput.size !== 1) throw ctx.error(`'axis' has ${axisInput.size} values, expected a scalar`);
    const axis = normalizeAxis(axisInput.item(), x.rank, ctx);
    const exclusive = ctx.attrs.int("exclusive", 0) === 1;
    const reverse = ctx.attrs.int("reverse", 0) === 1;
    const length = x.shape[axis];
    const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const v = x.values;
    const out = Tensor.zeros(x.dtype, x.shape);
    const o = out.values;
    for (let a = 0; a < outer; a++) {
      for (let b = 0; b < inner; b++) {
        let sum = 0;
        for (let step = 0; step < length; step++) {
          const i = a * length * inner + (reverse ? length - 1 - step : step) * inner + b;
          if (exclusive) {
            o[i] = sum;
            sum += v[i];
          } else {
            sum += v[i];
            o[i] = sum;
          }
        }
      }
    }
    return [out];
  },
});
