import { variadicOp } from "../support/variadic.js";

// Math.min propagates NaN, as numpy.minimum does.
export default variadicOp("Min", (a, b) => Math.min(a, b));
