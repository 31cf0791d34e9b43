import { softplus } from "../support/activation.js";
import { unaryOp } from "../support/unary.js";

export default unaryOp("Softplus", 1, softplus, { floatOnly: true });
