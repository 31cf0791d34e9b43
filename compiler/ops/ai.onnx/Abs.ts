import { unaryOp } from "../support/elementwise.js";

export default unaryOp("Abs", 6, Math.abs);
