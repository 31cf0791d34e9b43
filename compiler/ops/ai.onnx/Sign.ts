import { unaryOp } from "../support/elementwise.js";

export default unaryOp("Sign", 9, Math.sign);
