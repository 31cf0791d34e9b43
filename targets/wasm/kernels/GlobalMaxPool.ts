import { maxReduction } from "./ReduceMax.js";
import { reduceKernel } from "./support/reduce.js";

/** ReduceMax over every spatial axis. */
export default reduceKernel("global_max_pool", maxReduction, (rank) =>
  Array.from({ length: rank - 2 }, (_, k) => k + 2),
);
