import { unaryKernel } from "./support/elementwise.js";

// x / 6 as the reference divides, not a multiply by a rounded 1/6.
export default unaryKernel("hard_swish", () => ({ expr: (v) => `${v} * Math.max(0, Math.min(1, ${v} / 6 + 0.5))` }));
