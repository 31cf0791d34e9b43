import { type Reduction, reduceKernel } from "./support/reduce.js";

/** The largest value, NaN as soon as one is NaN (the reference's step). */
export const maxReduction: Reduction = {
  init: "-Infinity",
  step: (a, v) => `${v} > ${a} || ${v} !== ${v} ? ${v} : ${a}`,
};

export default reduceKernel("reduce_max", maxReduction);
