import { predicateOp } from "../support/predicate.js";

export default predicateOp("Greater", 7, (a, b) => a > b);
