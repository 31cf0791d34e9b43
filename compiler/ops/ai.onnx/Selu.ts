import { floatUnaryOp } from "../support/unary.js";

export default floatUnaryOp("Selu", 6, (ctx) => {
  // The defaults are the float32 values of the SELU paper's constants, as ONNX states them.
  const alpha = ctx.attrs.float("alpha", Math.fround(1.6732632423543772));
  const gamma = ctx.attrs.float("gamma", Math.fround(1.0507009873554805));
  return (x) => gamma * (x <= 0 ? alpha * Math.expm1(x) : x);
});
