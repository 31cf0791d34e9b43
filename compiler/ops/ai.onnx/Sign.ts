import { unaryOp } from "../support/unary.js";

export default unaryOp("Sign", 9, Math.sign);
