import { unaryKernel } from "./support/elementwise.js";

export default unaryKernel("tanh", () => ({ expr: (v) => `qtanh(${v})`, helpers: ["qtanh"] }));
