import { unaryOp } from "../support/elementwise.js";

export default unaryOp("Ceil", 6, Math.ceil, { floatOnly: true });
