import { unaryKernel } from "./support/elementwise.js";

export default unaryKernel("neg", () => ({ expr: (v) => `-${v}` }));
