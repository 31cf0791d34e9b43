import { reduceOp } from "../support/reduce.js";

export default reduceOp("ReduceMean", 18, { init: 0, step: (a, v) => a + v, finish: (a, n) => a / n });
