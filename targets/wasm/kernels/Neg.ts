import { lanewiseKernel } from "./support/lanewise.js";

export default lanewiseKernel("neg", (env) => ({
  f64: (v) => env.fn.m.f64.neg(v),
  f32x4: (v) => env.fn.m.f32x4.neg(v.get()),
}));
