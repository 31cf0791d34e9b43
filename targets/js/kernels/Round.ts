import { unaryKernel } from "./support/elementwise.js";

export default unaryKernel("round", () => ({ expr: (v) => `roundHalfEven(${v})`, helpers: ["roundHalfEven"] }));
