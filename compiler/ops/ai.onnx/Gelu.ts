import { erf } from "../support/erf.js";
import { floatUnaryOp } from "../support/unary.js";

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

export default floatUnaryOp("Gelu", 20, (ctx) => {
  if (ctx.attrs.oneOf("approximate", ["none", "tanh"], "none") === "tanh") {
    return (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
  }
  return (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));
});
