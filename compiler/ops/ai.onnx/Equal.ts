import { predicateOp } from "../support/predicate.js";

export default predicateOp("Equal", 7, (a, b) => a === b, { strings: (a, b) => a === b });
