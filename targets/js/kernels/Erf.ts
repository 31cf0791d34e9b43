import { unaryKernel } from "./support/elementwise.js";

export default unaryKernel("erf", () => ({ expr: (v) => `qerf(${v})`, helpers: ["qerf"] }));
