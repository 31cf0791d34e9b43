import { unaryOp } from "../support/unary.js";

export default unaryOp("Abs", 6, Math.abs);
