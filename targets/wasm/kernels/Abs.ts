import { lanewiseKernel } from "./support/lanewise.js";

export default lanewiseKernel("abs", (env) => ({
  f64: (v) => env.fn.m.f64.abs(v),
  f32x4: (v) => env.fn.m.f32x4.abs(v.get()),
}));
