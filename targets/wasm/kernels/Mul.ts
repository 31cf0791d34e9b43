import { binaryKernel } from "./support/elementwise.js";

export default binaryKernel("mul", { f32: (f, a, b) => f.m.f32.mul(a, b), f32x4: (f, a, b) => f.m.f32x4.mul(a, b) });
