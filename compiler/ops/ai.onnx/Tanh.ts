import { unaryOp } from "../support/elementwise.js";

export default unaryOp("Tanh", 6, Math.tanh, { floatOnly: true });
