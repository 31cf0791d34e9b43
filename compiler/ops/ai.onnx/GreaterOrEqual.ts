import { predicateOp } from "../support/predicate.js";

export default predicateOp("GreaterOrEqual", 12, (a, b) => a >= b);
