import { unaryKernel } from "./support/elementwise.js";

export default unaryKernel("log", () => ({ expr: (v) => `qlog(${v})`, helpers: ["qlog"] }));
