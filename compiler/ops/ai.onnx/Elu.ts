import { floatUnaryOp } from "../support/unary.js";

export default floatUnaryOp("Elu", 6, (ctx) => {
  const alpha = ctx.attrs.float("alpha", 1);
  return (x) => (x < 0 ? alpha * Math.expm1(x) : x);
});
