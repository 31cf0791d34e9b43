import { type Reduction, reduceKernel } from "./support/reduce.js";

/** The largest value, NaN as soon as one is NaN (the reference's step). */
export const maxReduction: Reduction = {
  init: Number.NEGATIVE_INFINITY,
  step: (f, acc, v) =>
    f.m.select(f.m.i32.or(f.m.f64.gt(v.get(), acc.get()), f.m.f64.ne(v.get(), v.get())), v.get(), acc.get()),
};

export default reduceKernel("reduce_max", maxReduction);
