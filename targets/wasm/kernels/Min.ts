import { variadicKernel } from "./support/elementwise.js";

/** Min of two or more inputs, broadcast: f32.min propagates NaN, as Math.min in the reference. */
export default variadicKernel("min", { f32: (f, a, b) => f.m.f32.min(a, b), f32x4: (f, a, b) => f.m.f32x4.min(a, b) });
