import { predicateOp } from "../support/predicate.js";

export default predicateOp("Or", 7, (a, b) => a !== 0 || b !== 0, { boolOnly: true });
