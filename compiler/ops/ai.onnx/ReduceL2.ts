import { reduceOp } from "../support/reduce.js";

export default reduceOp("ReduceL2", 18, { init: 0, step: (a, v) => a + v * v, finish: (a) => Math.sqrt(a) });
