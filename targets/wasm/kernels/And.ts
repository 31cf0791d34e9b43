import { logicalKernel } from "./support/elementwise.js";

export default logicalKernel("and", [0, 1], (f, [a, b]) => f.m.i32.and(a, b));
