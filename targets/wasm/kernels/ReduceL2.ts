import { reduceKernel } from "./support/reduce.js";

/** sqrt of the f64 sum of squares, rounded once by the store, as the js target. */
export default reduceKernel("reduce_l2", {
  init: 0,
  step: (f, acc, v) => f.m.f64.add(acc.get(), f.m.f64.mul(v.get(), v.get())),
  finish: (f, acc) => f.m.f64.sqrt(acc),
});
