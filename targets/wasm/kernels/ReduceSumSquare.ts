import { reduceKernel } from "./support/reduce.js";

export default reduceKernel("reduce_sum_square", {
  init: 0,
  step: (f, acc, v) => f.m.f64.add(acc.get(), f.m.f64.mul(v.get(), v.get())),
});
