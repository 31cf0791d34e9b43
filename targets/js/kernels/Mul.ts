import { binaryKernel } from "./support/elementwise.js";

export default binaryKernel("mul", () => ({ expr: (a, b) => `${a} * ${b}` }));
