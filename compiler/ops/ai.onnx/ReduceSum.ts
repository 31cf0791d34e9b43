import { reduceOp } from "../support/reduce.js";

export default reduceOp("ReduceSum", 13, { init: 0, step: (a, v) => a + v });
