import type { SymShape } from "../../compiler/plan/kernel-plan.js";
import type { KernelFacts } from "./kernel-params.js";

/** The fixed sizes of a selective scan: u, delta (B, G*E, L); A (G*E, N); B, C (B, G, N, L). */
export interface ScanShape {
  readonly batch: number;
  readonly GE: number;
  readonly G: number;
  readonly N: number;
  readonly E: number;
  /** The shapes of u and of B (their last dim is the sequence length L). */
  readonly us: SymShape;
  readonly bs: SymShape;
}

export function scanShape(env: KernelFacts): ScanShape {
  const us = env.inputShape(0);
  const bs = env.inputShape(3);
  if (us.length !== 3 || bs.length !== 4) throw env.error("expected u (B, G*E, L) and B (B, G, N, L)");
  const batch = env.staticDim(us[0], "the batch");
  const GE = env.staticDim(us[1], "the channel count");
  const G = env.staticDim(bs[1], "the direction count");
  const N = env.staticDim(bs[2], "the state size");
  if (GE % G !== 0) throw env.error(`u has ${GE} channels, not a multiple of the ${G} directions of B`);
  return { batch, GE, G, N, E: GE / G, us, bs };
}
