import { unaryKernel } from "./support/elementwise.js";

// max, not a comparison: it maps NaN to NaN and -0 to 0 as the reference does.
export default unaryKernel("relu", (env, v) => env.fn.m.f64.max(v, env.fn.f64(0)));
