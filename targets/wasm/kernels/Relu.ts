import { f32Routine } from "../f32-ops.js";
import { unaryKernel } from "./support/elementwise.js";

/** x where 0 < x, NaN where x is NaN, else +0: the reference's max(x, 0), four lanes at a time with SIMD. */
const lanes = f32Routine("qrelu", (_f, o, x, out) => [
  out.set(o.keepNaN(x.get, o.below(o.c(0), x.get(), x.get(), o.c(0)))),
]);

// max, not a comparison: it maps NaN to NaN and -0 to 0 as the reference does.
export default unaryKernel("relu", (env, v) => env.fn.m.f64.max(v, env.fn.f64(0)), lanes);
