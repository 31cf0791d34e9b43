import { variadicKernel } from "./support/elementwise.js";

/** Max of two or more inputs, broadcast; Math.max propagates NaN as the reference does. */
export default variadicKernel("max", (a, b) => `Math.max(${a}, ${b})`);
