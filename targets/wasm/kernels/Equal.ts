import { comparisonKernel } from "./support/elementwise.js";

export default comparisonKernel("equal", (f, a, b) => f.m.f32.eq(a, b));
