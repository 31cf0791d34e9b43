import { unaryOp } from "../support/elementwise.js";

export default unaryOp("Log", 6, Math.log, { floatOnly: true });
