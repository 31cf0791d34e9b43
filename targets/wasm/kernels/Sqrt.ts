import { lanewiseKernel } from "./support/lanewise.js";

// The f64 square root of a float32 rounded to float32 is the float32 square root (53 >= 2 * 24 + 2 bits).
export default lanewiseKernel("sqrt", (env) => ({
  f64: (v) => env.fn.m.f64.sqrt(v),
  f32x4: (v) => env.fn.m.f32x4.sqrt(v.get()),
}));
