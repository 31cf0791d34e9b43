import { predicateOp } from "../support/predicate.js";

export default predicateOp("Less", 7, (a, b) => a < b);
