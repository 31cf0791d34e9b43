import { comparisonKernel } from "./support/elementwise.js";

export default comparisonKernel("less_or_equal", (f, a, b) => f.m.f32.le(a, b));
