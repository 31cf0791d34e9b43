import { unaryKernel } from "./support/elementwise.js";

// Math.sign is ES2015; this form keeps its results for -0 and NaN.
export default unaryKernel("sign", () => ({ expr: (v) => `${v} > 0 ? 1 : ${v} < 0 ? -1 : ${v}` }));
