import { logicalKernel } from "./support/elementwise.js";

export default logicalKernel("or", [0, 1], (f, [a, b]) => f.m.i32.or(a, b));
