import { unaryKernel } from "./support/elementwise.js";

export default unaryKernel("sigmoid", () => ({ expr: (v) => `qsigmoid(${v})`, helpers: ["qsigmoid"] }));
