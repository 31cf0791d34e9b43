import { logicalKernel } from "./support/elementwise.js";

export default logicalKernel("and", [0, 1], (a, b) => `${a} & ${b}`);
