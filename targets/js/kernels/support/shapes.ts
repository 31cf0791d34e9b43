import type { SymShape } from "../../../../compiler/plan/kernel-plan.js";
import type { KernelEnv } from "../types.js";

export { type BroadcastLoops, broadcastLoops, padRank, shapeSpec } from "../../../shared/broadcast.js";

/** The element count of a shape as code. */
export function countOf(env: KernelEnv, s: SymShape, name: string): string {
  return s.length === 0 ? "1" : env.count(s, name);
}
