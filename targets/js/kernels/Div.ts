import { binaryKernel } from "./support/elementwise.js";

export default binaryKernel("div", () => ({ expr: (a, b) => `${a} / ${b}` }));
