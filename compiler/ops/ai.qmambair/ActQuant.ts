import { Tensor } from "../../ir/tensor.js";
import { actQuantize } from "../../quant/act.js";
import { defineOp } from "../define.js";
import { bitsAttr, float32Input, scalarInput, signedAttr } from "../support/qmambair.js";

/** Static activation quantizer (QMAMBAIR.md 2.1), output dequantized. */
export default defineOp({
  domain: "ai.qmambair",
  type: "ActQuant",
  since: 1,
  inputs: [3, 3],
  shape: ([x]) => [{ dtype: "float32", shape: x?.shape }],
  evaluate: ([x, alpha, beta], ctx) => {
    const X = float32Input(x, "X", ctx);
    const a = scalarInput(alpha, "alpha", ctx);
    // The formula needs only a finite non-zero scale: QAT can drive alpha through zero, and PyTorch
    // then quantizes with the negative value as written.
    if (!Number.isFinite(a) || a === 0) throw ctx.error(`alpha is ${a}, expected a finite non-zero scale`);
    const y = actQuantize(X.values, a, scalarInput(beta, "beta", ctx), bitsAttr(ctx), signedAttr(ctx));
    return [new Tensor("float32", X.shape, y)];
  },
});
