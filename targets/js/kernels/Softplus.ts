import { unaryKernel } from "./support/elementwise.js";

export default unaryKernel("softplus", () => ({ expr: (v) => `qsoftplus(${v})`, helpers: ["qsoftplus"] }));
