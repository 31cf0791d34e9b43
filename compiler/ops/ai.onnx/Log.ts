import { unaryOp } from "../support/unary.js";

export default unaryOp("Log", 6, Math.log, { floatOnly: true });
