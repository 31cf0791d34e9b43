import { floatUnaryOp } from "../support/unary.js";

export default floatUnaryOp("LeakyRelu", 6, (ctx) => {
  const alpha = ctx.attrs.float("alpha", 0.01);
  return (x) => (x < 0 ? alpha * x : x);
});
