import { unaryOp } from "../support/unary.js";

export default unaryOp("Neg", 6, (x) => -x);
