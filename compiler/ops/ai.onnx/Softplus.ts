import { softplus } from "../support/activation.js";
import { unaryOp } from "../support/elementwise.js";

export default unaryOp("Softplus", 1, softplus, { floatOnly: true });
