import { binaryKernel } from "./support/elementwise.js";

export default binaryKernel("sub", () => ({ expr: (a, b) => `${a} - ${b}` }));
