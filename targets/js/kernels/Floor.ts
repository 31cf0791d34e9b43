import { unaryKernel } from "./support/elementwise.js";

export default unaryKernel("floor", () => ({ expr: (v) => `Math.floor(${v})` }));
