import { unaryKernel } from "./support/elementwise.js";

export default unaryKernel("sigmoid", (env, v) => env.math("qsigmoid", v));
