import { predicateOp } from "../support/predicate.js";

export default predicateOp("And", 7, (a, b) => a !== 0 && b !== 0, { boolOnly: true });
