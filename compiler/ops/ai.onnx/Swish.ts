import { sigmoid } from "../support/activation.js";
import { floatUnaryOp } from "../support/unary.js";

export default floatUnaryOp("Swish", 24, (ctx) => {
  const alpha = ctx.attrs.float("alpha", 1);
  return (x) => x * sigmoid(alpha * x);
});
