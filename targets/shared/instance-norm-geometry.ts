import type { SymShape } from "../../compiler/plan/kernel-plan.js";
import { shapeSpec } from "./broadcast.js";
import type { KernelFacts } from "./kernel-params.js";

/** InstanceNormalization's shapes, checked (target-neutral): x [N, C, spatial...], scale and B [C]. */
export function instanceNormGeometry(env: KernelFacts): { xs: SymShape; C: number; spec: string } {
  const xs = env.inputShape(0);
  if (xs.length < 3) throw env.error(`input has rank ${xs.length}, expected at least 3 (N, C, spatial...)`);
  const C = env.staticDim(xs[1], "the channel count");
  for (const i of [1, 2]) {
    const s = env.inputShape(i);
    if (s.length !== 1 || env.staticDim(s[0], "the scale/B length") !== C) {
      throw env.error(`input ${i} (${i === 1 ? "scale" : "B"}) has shape ${shapeSpec(s)}, expected [${C}]`);
    }
  }
  return { xs, C, spec: `instance_norm_${shapeSpec(xs)}` };
}
