import { unaryKernel } from "./support/elementwise.js";

/** ONNX Mish, x * tanh(softplus(x)) in double as the reference computes it, rounded to float32 on the store. */
export default unaryKernel("mish", () => ({
  expr: (v) => `${v} * qtanh(qsoftplus(${v}))`,
  helpers: ["qsoftplus", "qtanh"],
}));
