import { lanewiseKernel } from "./support/lanewise.js";

// 1 / x in f64 rounded to float32 is the float32 quotient (53 >= 2 * 24 + 2 bits), so f32x4.div is exact.
export default lanewiseKernel("reciprocal", (env) => ({
  f64: (v) => env.fn.m.f64.div(env.fn.f64(1), v),
  f32x4: (v) => env.fn.m.f32x4.div(env.fn.m.f32x4.splat(env.fn.m.f32.const(1)), v.get()),
}));
