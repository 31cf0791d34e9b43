import { binaryKernel } from "./support/elementwise.js";

export default binaryKernel("add", () => ({ expr: (a, b) => `${a} + ${b}` }));
