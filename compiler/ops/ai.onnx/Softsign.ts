import { unaryOp } from "../support/unary.js";

export default unaryOp("Softsign", 1, (x) => x / (1 + Math.abs(x)), { floatOnly: true });
