import { sigmoid } from "../support/activation.js";
import { unaryOp } from "../support/unary.js";

export default unaryOp("Sigmoid", 6, sigmoid, { floatOnly: true });
