import { normalizeAxis } from "./data-movement.js";
import type { KernelFacts } from "./kernel-params.js";

/**
 * The axes a Reduce* node reduces: input 1 folded to const_input_1, or the `axes` attribute of older
 * opsets; none means all, or nothing with noop_with_empty_axes.
 */
export function reducedAxes(env: KernelFacts, rank: number): number[] {
  const given = env.constInts(1) ?? env.ints("axes", []);
  if (given.length > 0) return given.map((a) => normalizeAxis(env, a, rank, "reduced axis"));
  return env.int("noop_with_empty_axes", 0) === 1 ? [] : Array.from({ length: rank }, (_, k) => k);
}
