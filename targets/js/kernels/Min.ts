import { variadicKernel } from "./support/elementwise.js";

/** Min of two or more inputs, broadcast; Math.min propagates NaN as the reference does. */
export default variadicKernel("min", (a, b) => `Math.min(${a}, ${b})`);
