import { logicalKernel } from "./support/elementwise.js";

export default logicalKernel("xor", [0, 1], (a, b) => `${a} ^ ${b}`);
