import { unaryKernel } from "./support/elementwise.js";

export default unaryKernel("exp", () => ({ expr: (v) => `qexp(${v})`, helpers: ["qexp"] }));
