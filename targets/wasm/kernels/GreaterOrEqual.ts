import { comparisonKernel } from "./support/elementwise.js";

export default comparisonKernel("greater_or_equal", (f, a, b) => f.m.f32.ge(a, b));
