import { unaryOp } from "../support/unary.js";

export default unaryOp("Exp", 6, Math.exp, { floatOnly: true });
