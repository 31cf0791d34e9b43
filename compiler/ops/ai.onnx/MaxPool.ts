import { stridesOf, Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { planPool, poolShape } from "../support/pool.js";

export default defineOp({
  type: "MaxPool",
  since: 1,
  inputs: [1, 1],
  shape: ([x], ctx) => {
    const y = poolShape(x, ctx);
    return [y, { dtype: "int64", shape: y.shape }];
  },
  evaluate: ([x], ctx) => {
    if (!x) throw ctx.error("missing input");
    const plan = planPool(x, ctx);
    const { table, planes, inSpatial, outSpatial, kernelSize: nK, window } = plan;
    const columnMajor = ctx.attrs.int("storage_order", 0) !== 0;
    // Indices are flat over the whole input; column-major order reverses the spatial strides.
    const inSize = window.inSize;
    const rowStrides = stridesOf(inSize);
    const colStrides = stridesOf([...inSize].reverse()).reverse();
    const xv = x.values;
    const y = new Float64Array(planes * outSpatial);
    const indices = new Float64Array(planes * outSpatial);
    for (let pl = 0; pl < planes; pl++) {
      const base = pl * inSpatial;
      for (let p = 0; p < outSpatial; p++) {
        let best = Number.NEGATIVE_INFINITY;
        let at = -1;
        for (let k = 0; k < nK; k++) {
          const idx = table[p * nK + k];
          if (idx >= 0 && (at < 0 || xv[base + idx] > best)) {
            best = xv[base + idx];
            at = idx;
          }
        }
        y[pl * outSpatial + p] = best;
        let flat = at;
        if (columnMajor && at >= 0) {
          flat = 0;
          let rest = at;
          for (let a = 0; a < inSize.length; a++) {
            flat += Math.floor(rest / rowStrides[a]) * colStrides[a];
            rest %= rowStrides[a];
          }
        }
        indices[pl * outSpatial + p] = base + flat;
      }
    }
    const shape = [x.shape[0], x.shape[1], ...window.outSize];
    return [Tensor.from(x.dtype, shape, y), Tensor.from("int64", shape, indices)];
  },
});
