import { unaryKernel } from "./support/elementwise.js";

export default unaryKernel(
  "sigmoid",
  (env, v) => env.math("qsigmoid", v),
  (env, v) => env.math("qsigmoid2", v),
);
