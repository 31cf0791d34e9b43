import { softplus } from "../support/activation.js";
import { unaryOp } from "../support/unary.js";

export default unaryOp("Mish", 18, (x) => x * Math.tanh(softplus(x)), { floatOnly: true });
