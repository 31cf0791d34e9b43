import { literal, unaryKernel } from "./support/elementwise.js";
import type { KernelEnv } from "./types.js";

/** A bound: input i (a constant scalar) from opset 11, the attribute before, else unbounded. */
function bound(env: KernelEnv, i: number, attr: string, fallback: number): number {
  if (env.has(i)) {
    const v = env.constant(i);
    if (v?.length !== 1) throw env.error(`input ${i} ('${attr}') must be a constant scalar`);
    return v[0];
  }
  return env.float(attr, fallback);
}

// min first, then max: min > max gives max everywhere, as the spec says.
export default unaryKernel("clip", (env) => {
  const lo = literal(bound(env, 1, "min", Number.NEGATIVE_INFINITY));
  const hi = literal(bound(env, 2, "max", Number.POSITIVE_INFINITY));
  return { expr: (v) => `Math.min(Math.max(${v}, ${lo}), ${hi})`, variant: `${lo}_${hi}`.replace(/\W/g, "_") };
});
