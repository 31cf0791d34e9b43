import { unaryKernel } from "./support/elementwise.js";

export default unaryKernel("ceil", () => ({ expr: (v) => `Math.ceil(${v})` }));
