import { unaryKernel } from "./support/elementwise.js";

export default unaryKernel("sqrt", () => ({ expr: (v) => `Math.sqrt(${v})` }));
