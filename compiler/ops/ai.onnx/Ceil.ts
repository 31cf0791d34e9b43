import { unaryOp } from "../support/unary.js";

export default unaryOp("Ceil", 6, Math.ceil, { floatOnly: true });
