import { reduceKernel } from "./support/reduce.js";

export default reduceKernel("reduce_mean", {
  init: "0",
  step: (a, v) => `${a} + ${v}`,
  finish: (a, n) => `${a} / ${n}`,
});
