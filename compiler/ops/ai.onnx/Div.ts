import { isInteger } from "../../ir/dtype.js";
import { arithmeticOp } from "../support/arithmetic.js";

export default arithmeticOp("Div", (a, b, dtype) => {
  if (!isInteger(dtype)) return a / b;
  // Integer division truncates toward zero, as in C; division by zero is undefined, 0 here.
  return b === 0 ? 0 : Math.trunc(a / b);
});
