import { reduceOp } from "../support/reduce.js";

export default reduceOp("ReduceLogSumExp", 18, {
  init: 0,
  step: (a, v) => a + Math.exp(v),
  finish: (a) => Math.log(a),
});
