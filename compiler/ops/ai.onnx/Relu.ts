import { unaryOp } from "../support/elementwise.js";

export default unaryOp("Relu", 6, (x) => (x > 0 ? x : 0));
