import { arithmeticOp } from "../support/arithmetic.js";

export default arithmeticOp("Sub", (a, b) => a - b);
