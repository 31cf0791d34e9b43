import { SELU_ALPHA, SELU_GAMMA } from "../../../compiler/ops/ai.onnx/Selu.js";
import { literal, unaryKernel } from "./support/elementwise.js";

/** ONNX Selu: gamma (x <= 0 ? alpha (e^x - 1) : x), in double through qexpm1, rounded once on the store. */
export default unaryKernel("selu", (env) => {
  const alpha = literal(env.float("alpha", SELU_ALPHA));
  const gamma = literal(env.float("gamma", SELU_GAMMA));
  return {
    expr: (v) => `${gamma} * (${v} <= 0 ? ${alpha} * qexpm1(${v}) : ${v})`,
    helpers: ["qexpm1"],
    variant: `a${alpha}_g${gamma}`.replace(/\W/g, "_"),
  };
});
