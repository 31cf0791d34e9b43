import { sizeOf, Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { planPool, poolShape } from "../support/pool.js";
import type { Window } from "../support/window.js";

/**
 * With count_include_pad, the divisor of each output counts the window positions that land in the
 * input or its declared pads; positions past the end pad (ceil_mode overhang) never count.
 */
function paddedCounts(window: Window): Float64Array {
  const perAxis = window.outSize.map((out, a) => {
    const counts = new Float64Array(out);
    const lo = -window.padsBegin[a];
    const hi = window.inSize[a] + window.padsEnd[a];
    for (let o = 0; o < out; o++) {
      for (let k = 0; k < window.kernel[a]; k++) {
        const c = o * window.strides[a] - window.padsBegin[a] + k * window.dilations[a];
        if (c >= lo && c < hi) counts[o]++;
      }
    }
    return counts;
  });
  const total = new Float64Array(sizeOf(window.outSize)).fill(1);
  const idx = new Array<number>(perAxis.length).fill(0);
  for (let p = 0; p < total.length; p++) {
    for (let a = 0; a < perAxis.length; a++) total[p] *= perAxis[a][idx[a]];
    for (let a = perAxis.length - 1; a >= 0; a--) {
      if (++idx[a] < window.outSize[a]) break;
      idx[a] = 0;
    }
  }
  return total;
}

export default defineOp({
  type: "AveragePool",
  since: 1,
  inputs: [1, 1],
  shape: ([x], ctx) => [poolShape(x, ctx)],
  evaluate: ([x], ctx) => {
    if (!x) throw ctx.error("missing input");
    const plan = planPool(x, ctx);
    const { table, planes, inSpatial, outSpatial, kernelSize: nK } = plan;
    const includePad = ctx.attrs.int("count_include_pad", 0) !== 0;
    const divisors = includePad ? paddedCounts(plan.window) : undefined;
    const xv = x.values;
    const y = new Float64Array(planes * outSpatial);
    for (let pl = 0; pl < planes; pl++) {
      const base = pl * inSpatial;
      for (let p = 0; p < outSpatial; p++) {
        let sum = 0;
        let count = 0;
        for (let k = 0; k < nK; k++) {
          const idx = table[p * nK + k];
          if (idx >= 0) {
            sum += xv[base + idx];
            count++;
          }
        }
        y[pl * outSpatial + p] = sum / (divisors ? divisors[p] : count);
      }
    }
    return [Tensor.from(x.dtype, [x.shape[0], x.shape[1], ...plan.window.outSize], y)];
  },
});
