import { unaryOp } from "../support/unary.js";

export default unaryOp("Tanh", 6, Math.tanh, { floatOnly: true });
