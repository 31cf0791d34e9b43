import { unaryOp } from "../support/elementwise.js";

export default unaryOp("Relu", 6, (x) => Math.max(x, 0));
