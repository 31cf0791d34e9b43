import { unaryKernel } from "./support/elementwise.js";

export default unaryKernel("exp", (env, v) => env.math("qexp", v));
