import { unaryOp } from "../support/elementwise.js";

export default unaryOp("Exp", 6, Math.exp, { floatOnly: true });
