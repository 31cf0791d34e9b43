import { reduceKernel } from "./support/reduce.js";

export default reduceKernel("reduce_sum_square", { init: "0", step: (a, v) => `${a} + ${v} * ${v}` });
