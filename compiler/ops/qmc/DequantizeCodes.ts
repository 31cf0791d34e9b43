import { Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";

/**
 * Folded quantized weights: int8 codes (holding 2-, 4- or 8-bit values) and value = q*alpha - beta,
 * per tensor or per channel along `axis`. What fold-rfa-weights and fold-qdq leave in place of
 * RfaQuant / DequantizeLinear of a constant, until an integer kernel absorbs it.
 */
export default defineOp({
  domain: "qmc",
  type: "DequantizeCodes",
  since: 1,
  inputs: [1, 1],
  shape: ([codes]) => [{ dtype: "float32", shape: codes?.shape }],
  evaluate: ([codes], ctx) => {
    if (codes?.dtype !== "int8") throw ctx.error("input must be int8 codes");
    const alpha = ctx.attrs.floats("alpha");
    const beta = ctx.attrs.floats("beta");
    const axis = ctx.attrs.int("axis", 0);
    const channels = alpha.length;
    if (beta.length !== channels) throw ctx.error(`'alpha' has ${channels} values but 'beta' has ${beta.length}`);
    if (channels !== 1 && codes.shape[axis] !== channels) {
      throw ctx.error(`${channels} per-channel parameters for axis ${axis} of shape [${codes.shape}]`);
    }
    const inner = codes.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const q = codes.values;
    const out = new Float32Array(q.length);
    for (let i = 0; i < q.length; i++) {
      const c = channels === 1 ? 0 : Math.floor(i / inner) % channels;
      out[i] = Math.fround(Math.fround(q[i] * alpha[c]) - beta[c]);
    }
    return [new Tensor("float32", codes.shape, out)];
  },
});
