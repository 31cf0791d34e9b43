import { unaryOp } from "../support/elementwise.js";

export default unaryOp("Reciprocal", 6, (x) => 1 / x, { floatOnly: true });
