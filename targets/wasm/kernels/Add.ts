import { binaryKernel } from "./support/elementwise.js";

export default binaryKernel("add", { f32: (f, a, b) => f.m.f32.add(a, b), f32x4: (f, a, b) => f.m.f32x4.add(a, b) });
