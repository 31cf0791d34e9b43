import { binaryKernel } from "./support/elementwise.js";

export default binaryKernel("sub", { f32: (f, a, b) => f.m.f32.sub(a, b), f32x4: (f, a, b) => f.m.f32x4.sub(a, b) });
