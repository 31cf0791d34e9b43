import { reduceOp } from "../support/reduce.js";

export default reduceOp("ReduceMax", 18, {
  init: Number.NEGATIVE_INFINITY,
  step: (a, v) => (v > a || Number.isNaN(v) ? v : a),
});
