import { reduceOp } from "../support/reduce.js";

export default reduceOp("ReduceL1", 18, { init: 0, step: (a, v) => a + Math.abs(v) });
