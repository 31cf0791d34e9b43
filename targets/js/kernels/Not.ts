import { logicalKernel } from "./support/elementwise.js";

export default logicalKernel("not", [0], (x) => `${x} ? 0 : 1`);
