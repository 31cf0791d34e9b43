import { predicateOp } from "../support/predicate.js";

export default predicateOp("Xor", 7, (a, b) => (a !== 0) !== (b !== 0), { boolOnly: true });
