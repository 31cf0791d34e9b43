import { floatUnaryOp } from "../support/unary.js";

/** The float32 values of the SELU paper's constants, ONNX's defaults. */
export const SELU_ALPHA = Math.fround(1.6732632423543772);
export const SELU_GAMMA = Math.fround(1.0507009873554805);

export default floatUnaryOp("Selu", 6, (ctx) => {
  const alpha = ctx.attrs.float("alpha", SELU_ALPHA);
  const gamma = ctx.attrs.float("gamma", SELU_GAMMA);
  return (x) => gamma * (x <= 0 ? alpha * Math.expm1(x) : x);
});
