import { unaryKernel } from "./support/elementwise.js";

export default unaryKernel("softplus", (env, v) => env.math("qsoftplus", v));
