import { variadicOp } from "../support/variadic.js";

export default variadicOp("Mean", (a, b) => a + b, { finish: (sum, n) => sum / n, floatOnly: true });
