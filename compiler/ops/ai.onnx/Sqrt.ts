import { unaryOp } from "../support/elementwise.js";

export default unaryOp("Sqrt", 6, Math.sqrt, { floatOnly: true });
