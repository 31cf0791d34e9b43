import { reduceOp } from "../support/reduce.js";

export default reduceOp("ReduceLogSum", 18, { init: 0, step: (a, v) => a + v, finish: (a) => Math.log(a) });
