import { Tensor } from "../../ir/tensor.js";
import { rfaCodes, rfaDequantize } from "../../quant/rfa.js";
import { defineOp } from "../define.js";
import { bitsAttr, float32Input, scalarInput } from "../support/qmambair.js";

/** RFA weight quantizer (QMAMBAIR.md 2.3), output dequantized weights. */
export default defineOp({
  domain: "ai.qmambair",
  type: "RfaQuant",
  since: 1,
  inputs: [4, 4],
  shape: ([w]) => [{ dtype: "float32", shape: w?.shape }],
  evaluate: ([w, alpha, beta, a], ctx) => {
    const W = float32Input(w, "W", ctx);
    const bits = bitsAttr(ctx);
    const points = float32Input(a, "a", ctx);
    if (points.size !== 2 ** bits)
      throw ctx.error(`input 'a' has ${points.size} values, expected 2^bits = ${2 ** bits}`);
    const al = scalarInput(alpha, "alpha", ctx);
    if (!(al > 0)) throw ctx.error(`alpha is ${al}, expected a positive scale`);
    const be = scalarInput(beta, "beta", ctx);
    const codes = rfaCodes(W.values, al, be, points.values, bits);
    return [new Tensor("float32", W.shape, rfaDequantize(codes, al, be))];
  },
});
