import { qmcContender } from "../compiler/cli/bench/qmc-contender.js";
import { type Timing, type TimingWindow, timeRounds } from "../compiler/cli/bench/timing.js";
import { targetNamed } from "../compiler/cli/compile-model.js";
import type { KernelPlan } from "../compiler/plan/kernel-plan.js";
import { samplePhoto } from "./photo.js";

export async function emitFor(target: string, plan: KernelPlan): Promise<string | Uint8Array> {
  return await targetNamed(target).emit(plan);
}

/**
 * The whole model under one target at h x w, timed alone on the sample photo (qmc bench's contender
 * and timing, without its side-by-side rounds): for scripts that look at one target's time.
 */
export async function benchTarget(
  target: string,
  plan: KernelPlan,
  h: number,
  w: number,
  window?: TimingWindow,
): Promise<{ target: string; timing: Timing }> {
  const contender = await qmcContender(target, await emitFor(target, plan), samplePhoto(plan.model.inChannels, h, w), {
    threads: 1,
  });
  const [timing] = await timeRounds([contender.run], window);
  return { target, timing };
}
