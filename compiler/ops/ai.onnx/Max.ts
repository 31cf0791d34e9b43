import { variadicOp } from "../support/variadic.js";

// Math.max propagates NaN, as numpy.maximum does.
export default variadicOp("Max", (a, b) => Math.max(a, b));
