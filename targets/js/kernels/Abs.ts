import { unaryKernel } from "./support/elementwise.js";

export default unaryKernel("abs", () => ({ expr: (v) => `Math.abs(${v})` }));
