import { comparisonKernel } from "./support/elementwise.js";

export default comparisonKernel("greater", (f, a, b) => f.m.f32.gt(a, b));
