import { unaryKernel } from "./support/elementwise.js";

export default unaryKernel("reciprocal", () => ({ expr: (v) => `1 / ${v}` }));
