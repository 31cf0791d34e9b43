import { unaryKernel } from "./support/elementwise.js";

// Math.max, not a comparison: it maps NaN to NaN and -0 to 0 as the reference does.
export default unaryKernel("relu", () => ({ expr: (v) => `Math.max(${v}, 0)` }));
