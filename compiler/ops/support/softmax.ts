import { isFloat } from "../../ir/dtype.js";
import { Tensor } from "../../ir/tensor.js";
import { defineOp, type OpContext, type OpDef } from "../define.js";
import { normalizeAxis } from "./axes.js";

/**
 * The groups the op normalises over, as [outer, length, inner] of the flat data. Before opset 13 the
 * input is coerced to 2-D at `axis` (default 1), so one group spans every axis from `axis` on; from 13
 * a group runs along the single axis (default -1).
 */
function groups(x: Tensor, ctx: OpContext): [number, number, number] {
  const prod = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
  if (ctx.opset < 13) {
    const axis = ctx.attrs.int("axis", 1);
    if (axis < -x.rank || axis > x.rank) throw ctx.error(`axis ${axis} is out of range for rank ${x.rank}`);
    const a = axis < 0 ? axis + x.rank : axis;
    return [prod(x.shape.slice(0, a)), prod(x.shape.slice(a)), 1];
  }
  const a = normalizeAxis(ctx.attrs.int("axis", -1), x.rank, ctx);
  return [prod(x.shape.slice(0, a)), x.shape[a], prod(x.shape.slice(a + 1))];
}

/** Softmax or LogSoftmax: exp(x - max) / sum, or its log, computed stably. */
export function softmaxOp(type: string, log: boolean): OpDef {
  return defineOp({
    type,
    since: 1,
    inputs: [1, 1],
    shape: ([x]) => [{ dtype: x?.dtype, shape: x?.shape }],
    evaluate: ([x], ctx) => {
      if (!x) throw ctx.error("missing input");
      if (!isFloat(x.dtype)) throw ctx.error(`input is ${x.dtype}, expected a floating type`);
      const [outer, length, inner] = groups(x, ctx);
      const v = x.values;
      const out = Tensor.zeros(x.dtype, x.shape);
      const o = out.values;
      for (let a = 0; a < outer; a++) {
        for (let b = 0; b < inner; b++) {
          const base = a * length * inner + b;
          let max = Number.NEGATIVE_INFINITY;
          for (let i = 0; i < length; i++) max = Math.max(max, v[base + i * inner]);
          let sum = 0;
          for (let i = 0; i < length; i++) sum += Math.exp(v[base + i * inner] - max);
          for (let i = 0; i < length; i++) {
            const d = v[base + i * inner] - max;
            o[base + i * inner] = log ? d - Math.log(sum) : Math.exp(d) / sum;
          }
        }
      }
      return [out];
    },
  });
}
