import { binaryOp } from "../support/elementwise.js";

export default binaryOp("Add", 7, (a, b) => a + b);
