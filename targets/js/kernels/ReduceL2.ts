import { reduceKernel } from "./support/reduce.js";

/** sqrt of the float64 sum of squares, rounded once by the store (F.normalize's norm). */
export default reduceKernel("reduce_l2", {
  init: "0",
  step: (a, v) => `${a} + ${v} * ${v}`,
  finish: (a) => `Math.sqrt(${a})`,
});
