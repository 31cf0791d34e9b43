import { lanewiseKernel } from "./support/lanewise.js";

export default lanewiseKernel("ceil", (env) => ({
  f64: (v) => env.fn.m.f64.ceil(v),
  f32x4: (v) => env.fn.m.f32x4.ceil(v.get()),
}));
