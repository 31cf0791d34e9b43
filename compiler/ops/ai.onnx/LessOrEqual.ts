import { predicateOp } from "../support/predicate.js";

export default predicateOp("LessOrEqual", 12, (a, b) => a <= b);
