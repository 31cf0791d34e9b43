import { inF64Pairs } from "./support/f64-pairs.js";
import { lanewiseKernel } from "./support/lanewise.js";
import type { WasmKernelEnv } from "./types.js";

/** A bound: input i (a constant scalar) from opset 11, the attribute before, else unbounded. */
function bound(env: WasmKernelEnv, i: number, attr: string, fallback: number): number {
  if (env.has(i)) {
    const v = env.constant(i);
    if (v?.length !== 1) throw env.error(`input ${i} ('${attr}') must be a constant scalar`);
    return v[0];
  }
  return env.float(attr, fallback);
}

// min first, then max: min > max gives max everywhere, as the spec says. f64 min and max treat NaN
// and -0 as Math.min and Math.max do.
export default lanewiseKernel("clip", (env) => {
  const lo = env.scalar(bound(env, 1, "min", Number.NEGATIVE_INFINITY));
  const hi = env.scalar(bound(env, 2, "max", Number.POSITIVE_INFINITY));
  const m = env.fn.m;
  return {
    f64: (v) => m.f64.min(m.f64.max(v, lo()), hi()),
    f32x4: (v) =>
      inF64Pairs(env.fn, v, (pair) => m.f64x2.min(m.f64x2.max(pair(), m.f64x2.splat(lo())), m.f64x2.splat(hi()))),
  };
});
