import { reduceKernel } from "./support/reduce.js";

export default reduceKernel("reduce_mean", {
  init: 0,
  step: (f, acc, v) => f.m.f64.add(acc.get(), v.get()),
  finish: (f, acc, n) => f.m.f64.div(acc, f.m.f64.convert_s.i32(n)),
});
