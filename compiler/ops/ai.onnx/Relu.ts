import { relu } from "../support/activation.js";
import { unaryOp } from "../support/unary.js";

export default unaryOp("Relu", 6, relu);
