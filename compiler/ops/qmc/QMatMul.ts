import { type Shape, sizeOf, Tensor } from "../../ir/tensor.js";
import { quantizeActivation } from "../../quant/activation.js";
import { IntegerDot } from "../../quant/integer-matmul.js";
import { defineOp } from "../define.js";
import { broadcastIndexer, broadcastShapes } from "../support/broadcast.js";
import { epilogueOf, readActivationQuant, readWeightQuant } from "../support/integer-kernels.js";
import { matmulDims } from "../support/matmul.js";

/**
 * MatMul of a quantized activation and quantized constant weights, in the integer domain:
 * Y = Xhat @ What (weight_first 0) or What @ Xhat (weight_first 1), numpy batch broadcasting, both
 * operands of rank >= 2. Per-channel weight parameters follow the weight's non-reduced matrix axis,
 * as do the float epilogue's constants (support/epilogue.ts); its residual is input 2.
 */
export default defineOp({
  domain: "qmc",
  type: "QMatMul",
  since: 1,
  inputs: [2, 3],
  shape: ([x, w], ctx) => {
    if (!x?.shape || !w?.shape) return [{ dtype: "float32" }];
    const first = ctx.attrs.int("weight_first", 0) !== 0;
    const [a, b] = first ? [w.shape, x.shape] : [x.shape, w.shape];
    return [{ dtype: "float32", shape: matmulDims(a, b, (m) => ctx.error(m)) }];
  },
  evaluate: ([x, codes, residual], ctx) => {
    if (x?.dtype !== "float32") throw ctx.error("activation input must be float32");
    if (!codes || x.rank < 2 || codes.rank < 2) throw ctx.error("both operands must have rank >= 2");
    const first = ctx.attrs.int("weight_first", 0) !== 0;
    const [aShape, bShape]: Shape[] = first ? [codes.shape, x.shape] : [x.shape, codes.shape];
    const shape = matmulDims(aShape, bShape, (m) => ctx.error(m)) as number[];
    const [m, k] = aShape.slice(-2);
    const n = bShape[bShape.length - 1];
    const weight = readWeightQuant(ctx, codes, first ? m : n);
    const epilogue = epilogueOf(ctx, first ? m : n, residual, shape);
    const act = quantizeActivation(x.values, readActivationQuant(ctx));
    const qa = first ? weight.codes : act.codes;
    const qb = first ? act.codes : weight.codes;
    const aBatch = aShape.slice(0, -2);
    const bBatch = bShape.slice(0, -2);
    const batch = broadcastShapes([aBatch, bBatch]) ?? [];
    const ia = broadcastIndexer(aBatch, batch);
    const ib = broadcastIndexer(bBatch, batch);
    const out = new Float32Array(sizeOf(shape));
    const dot = new IntegerDot(act);
    for (let t = 0; t < sizeOf(batch); t++) {
      const aBase = ia(t) * m * k;
      const bBase = ib(t) * k * n;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          dot.reset();
          for (let p = 0; p < k; p++) {
            const va = qa[aBase + i * k + p];
            const vb = qb[bBase + p * n + j];
            if (first) dot.add(vb, va);
            else dot.add(va, vb);
          }
          const at = (t * m + i) * n + j;
          out[at] = epilogue(dot.value(weight, first ? i : j), first ? i : j, at);
        }
      }
    }
    return [new Tensor("float32", shape, out)];
  },
});
