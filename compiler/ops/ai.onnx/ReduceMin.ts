import { reduceOp } from "../support/reduce.js";

export default reduceOp("ReduceMin", 18, {
  init: Number.POSITIVE_INFINITY,
  step: (a, v) => (v < a || Number.isNaN(v) ? v : a),
});
