import { reduceOp } from "../support/reduce.js";

export default reduceOp("ReduceSumSquare", 18, { init: 0, step: (a, v) => a + v * v });
