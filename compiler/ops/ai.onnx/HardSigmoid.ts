import { floatUnaryOp } from "../support/unary.js";

export default floatUnaryOp("HardSigmoid", 6, (ctx) => {
  const alpha = ctx.attrs.float("alpha", 0.2);
  const beta = ctx.attrs.float("beta", 0.5);
  return (x) => Math.max(0, Math.min(1, alpha * x + beta));
});
