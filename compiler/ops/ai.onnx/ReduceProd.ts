import { reduceOp } from "../support/reduce.js";

export default reduceOp("ReduceProd", 18, { init: 1, step: (a, v) => a * v });
