import { unaryOp } from "../support/unary.js";

export default unaryOp("Reciprocal", 6, (x) => 1 / x, { floatOnly: true });
