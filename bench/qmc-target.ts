import { TARGETS } from "../compiler/cli/compile-model.js";
import { loadRawArtifact } from "../compiler/diff/raw-artifact.js";
import { noiseImage } from "../compiler/diff/record.js";
import type { KernelPlan } from "../compiler/plan/kernel-plan.js";
import { arenaBytes } from "../targets/shared/meta.js";
import { type Timing, type TimingWindow, timeIt } from "./time.js";

export interface TargetResult {
  readonly target: string;
  readonly timing: Timing;
  readonly artifactBytes: number;
  /** The artifact's memory after prepare and a run (the whole wasm memory; the js arena). */
  readonly memoryBytes: number;
  /** What the memory plan says the arena needs at this size. */
  readonly arenaBytes: number;
}

export async function emitFor(target: string, plan: KernelPlan): Promise<string | Uint8Array> {
  const t = TARGETS.get(target);
  if (!t) throw new Error(`no target ${target}`);
  return await t.emit(plan);
}

/** A prepared artifact: `run` times one qmc_run; `result` completes its report with a timing. */
export interface PreparedTarget {
  readonly run: () => unknown;
  result(timing: Timing): TargetResult;
}

/** The whole model under one target at h x w, prepared once, a noise image as its input. */
export async function prepareTarget(target: string, plan: KernelPlan, h: number, w: number): Promise<PreparedTarget> {
  const artifact = await emitFor(target, plan);
  const art = await loadRawArtifact(artifact, target);
  art.prepare(h, w);
  const input = noiseImage(plan.model.inChannels, h, w);
  new Float32Array(art.memory(), art.inputOffset(), input.size).set(input.values);
  return {
    run: () => art.run(),
    result: (timing) => ({
      target,
      timing,
      artifactBytes: typeof artifact === "string" ? Buffer.byteLength(artifact) : artifact.length,
      memoryBytes: art.memory().byteLength,
      arenaBytes: arenaBytes(plan, h, w),
    }),
  };
}

/** The whole model under one target at h x w: prepare once, then time qmc_run on a noise image. */
export async function benchTarget(
  target: string,
  plan: KernelPlan,
  h: number,
  w: number,
  window?: TimingWindow,
): Promise<TargetResult> {
  const prepared = await prepareTarget(target, plan, h, w);
  return prepared.result(await timeIt(prepared.run, window));
}
