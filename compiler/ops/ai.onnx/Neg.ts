import { unaryOp } from "../support/elementwise.js";

export default unaryOp("Neg", 6, (x) => -x);
