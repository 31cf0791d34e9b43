import { literal, unaryKernel } from "./support/elementwise.js";

/** ONNX Elu: alpha (e^x - 1) below 0, in double through qexpm1, rounded once on the store as the reference's. */
export default unaryKernel("elu", (env) => {
  const alpha = literal(env.float("alpha", 1));
  return {
    expr: (v) => `${v} < 0 ? ${alpha} * qexpm1(${v}) : ${v}`,
    helpers: ["qexpm1"],
    variant: `a${alpha}`.replace(/\W/g, "_"),
  };
});
