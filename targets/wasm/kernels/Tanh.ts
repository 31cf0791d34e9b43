import { unaryKernel } from "./support/elementwise.js";

export default unaryKernel("tanh", (env, v) => env.math("qtanh", v));
