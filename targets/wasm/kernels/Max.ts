import { variadicKernel } from "./support/elementwise.js";

/** Max of two or more inputs, broadcast: f32.max propagates NaN, as Math.max in the reference. */
export default variadicKernel("max", { f32: (f, a, b) => f.m.f32.max(a, b), f32x4: (f, a, b) => f.m.f32x4.max(a, b) });
