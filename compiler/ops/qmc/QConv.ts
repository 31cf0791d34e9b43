import { sizeOf, Tensor } from "../../ir/tensor.js";
import { quantizeActivation } from "../../quant/activation.js";
import { IntegerDot } from "../../quant/integer-matmul.js";
import { defineOp } from "../define.js";
import { epilogueOf, readActivationQuant, readWeightQuant } from "../support/integer-kernels.js";
import { kernelShapeOf, readWindowAttrs, resolveWindow, windowOutputDims, windowTable } from "../support/window.js";

/**
 * Conv of a quantized activation with quantized constant weights [M, C/group, ...k], integer domain,
 * optional float bias. Taps that fall in the zero padding take no part in any sum: the padded input
 * is 0.0 after dequantization, which is not the value of any code when beta != 0. The float
 * epilogue (support/epilogue.ts) follows the bias; its residual is input 3.
 */
export default defineOp({
  domain: "qmc",
  type: "QConv",
  since: 1,
  inputs: [2, 4],
  shape: ([x, w], ctx) => {
    const kernel = kernelShapeOf(ctx, w?.shape);
    if (!x?.shape || !w?.shape || !kernel) return [{ dtype: "float32" }];
    const spatial = windowOutputDims(readWindowAttrs(ctx, kernel), x.shape.slice(2));
    return [{ dtype: "float32", shape: [x.shape[0], w.shape[0], ...spatial] }];
  },
  evaluate: ([x, codes, bias, residual], ctx) => {
    if (x?.dtype !== "float32") throw ctx.error("activation input must be float32");
    if (!codes) throw ctx.error("missing weight codes");
    const kernel = kernelShapeOf(ctx, codes.shape) as number[];
    const window = resolveWindow(readWindowAttrs(ctx, kernel), x.shape.slice(2));
    const [n, c] = x.shape;
    const m = codes.shape[0];
    const group = ctx.attrs.int("group", 1);
    if (c % group || m % group || codes.shape[1] !== c / group) {
      throw ctx.error(`input channels ${c}, weight [${codes.shape}] and group ${group} do not fit`);
    }
    const weight = readWeightQuant(ctx, codes, m);
    const act = quantizeActivation(x.values, readActivationQuant(ctx));
    const cg = c / group;
    const mg = m / group;
    const inSpatial = sizeOf(window.inSize);
    const outSpatial = sizeOf(window.outSize);
    const nK = sizeOf(kernel);
    const table = windowTable(window.outSize, window.inSize, window);
    const shape = [n, m, ...window.outSize];
    const epilogue = epilogueOf(ctx, m, residual, shape);
    const out = new Float32Array(n * m * outSpatial);
    const b = bias?.values;
    const dot = new IntegerDot(act);
    for (let img = 0; img < n; img++) {
      for (let oc = 0; oc < m; oc++) {
        const g = Math.floor(oc / mg);
        for (let p = 0; p < outSpatial; p++) {
          dot.reset();
          for (let ic = 0; ic < cg; ic++) {
            const xBase = (img * c + g * cg + ic) * inSpatial;
            const wBase = (oc * cg + ic) * nK;
            for (let t = 0; t < nK; t++) {
              const idx = table[p * nK + t];
              if (idx >= 0) dot.add(act.codes[xBase + idx], weight.codes[wBase + t]);
            }
          }
          const y = dot.value(weight, oc);
          const at = (img * m + oc) * outSpatial + p;
          out[at] = epilogue(b ? Math.fround(y + b[oc]) : y, oc, at);
        }
      }
    }
    return [new Tensor("float32", shape, out)];
  },
});
