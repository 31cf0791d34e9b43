import { reduceKernel } from "./support/reduce.js";

export default reduceKernel("reduce_sum", { init: "0", step: (a, v) => `${a} + ${v}` });
