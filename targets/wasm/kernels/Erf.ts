import { unaryKernel } from "./support/elementwise.js";

export default unaryKernel(
  "erf",
  (env, v) => env.math("qerf", v),
  (env, v) => env.math("qerf2", v),
);
