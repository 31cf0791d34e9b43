import { isInteger } from "../../ir/dtype.js";
import { variadicOp } from "../support/variadic.js";

export default variadicOp(
  "Mean",
  (a, b) => a + b,
  (sum, n, dtype) => (isInteger(dtype) ? Math.trunc(sum / n) : sum / n),
);
