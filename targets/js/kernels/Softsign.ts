import { unaryKernel } from "./support/elementwise.js";

export default unaryKernel("softsign", () => ({ expr: (v) => `${v} / (1 + Math.abs(${v}))` }));
