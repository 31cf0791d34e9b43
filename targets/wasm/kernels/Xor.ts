import { logicalKernel } from "./support/elementwise.js";

export default logicalKernel("xor", [0, 1], (f, [a, b]) => f.m.i32.xor(a, b));
