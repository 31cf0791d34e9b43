import { reduceKernel } from "./support/reduce.js";

/** The smallest value, NaN as soon as one is NaN (the reference's step). */
export default reduceKernel("reduce_min", {
  init: "Infinity",
  step: (a, v) => `${v} < ${a} || ${v} !== ${v} ? ${v} : ${a}`,
});
