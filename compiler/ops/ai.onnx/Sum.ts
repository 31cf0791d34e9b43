import { variadicOp } from "../support/variadic.js";

export default variadicOp("Sum", (a, b) => a + b, { floatOnly: true });
