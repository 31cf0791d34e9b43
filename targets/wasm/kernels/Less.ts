import { comparisonKernel } from "./support/elementwise.js";

export default comparisonKernel("less", (f, a, b) => f.m.f32.lt(a, b));
