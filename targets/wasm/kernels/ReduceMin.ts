import { reduceKernel } from "./support/reduce.js";

/** The smallest value, NaN as soon as one is NaN (the reference's step). */
export default reduceKernel("reduce_min", {
  init: Number.POSITIVE_INFINITY,
  step: (f, acc, v) =>
    f.m.select(f.m.i32.or(f.m.f64.lt(v.get(), acc.get()), f.m.f64.ne(v.get(), v.get())), v.get(), acc.get()),
});
