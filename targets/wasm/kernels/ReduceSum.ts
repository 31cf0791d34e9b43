import { reduceKernel } from "./support/reduce.js";

export default reduceKernel("reduce_sum", { init: 0, step: (f, acc, v) => f.m.f64.add(acc.get(), v.get()) });
