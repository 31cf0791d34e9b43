import { unaryOp } from "../support/unary.js";

export default unaryOp("Sqrt", 6, Math.sqrt, { floatOnly: true });
