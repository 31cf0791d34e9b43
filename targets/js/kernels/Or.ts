import { logicalKernel } from "./support/elementwise.js";

export default logicalKernel("or", [0, 1], (a, b) => `${a} | ${b}`);
