import { lanewiseKernel } from "./support/lanewise.js";

export default lanewiseKernel("floor", (env) => ({
  f64: (v) => env.fn.m.f64.floor(v),
  f32x4: (v) => env.fn.m.f32x4.floor(v.get()),
}));
