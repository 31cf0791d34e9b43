import { binaryKernel } from "./support/elementwise.js";

export default binaryKernel("div", { f32: (f, a, b) => f.m.f32.div(a, b), f32x4: (f, a, b) => f.m.f32x4.div(a, b) });
