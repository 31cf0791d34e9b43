import { Tensor } from "../../ir/tensor.js";
import { dlsQuantize } from "../../quant/dls.js";
import { defineOp } from "../define.js";
import { bitsAttr, float32Input, signedAttr } from "../support/qmambair.js";

/** Dynamic activation quantizer (QMAMBAIR.md 2.2): statistics over the whole tensor, output dequantized. */
export default defineOp({
  domain: "ai.qmambair",
  type: "DlsQuant",
  since: 1,
  inputs: [2, 2],
  shape: ([x]) => [{ dtype: "float32", shape: x?.shape }],
  evaluate: ([x, w], ctx) => {
    const X = float32Input(x, "X", ctx);
    const W = float32Input(w, "w", ctx);
    if (W.size !== 8) throw ctx.error(`input 'w' has ${W.size} values, expected 8 (w1..w4, w21..w24)`);
    if (X.size < 2) throw ctx.error(`input 'X' has ${X.size} element(s); the unbiased std needs at least 2`);
    return [new Tensor("float32", X.shape, dlsQuantize(X.values, W.values, bitsAttr(ctx), signedAttr(ctx)))];
  },
});
