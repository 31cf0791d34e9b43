import { type KernelPlan, roundUpToMultiple, shapeAtSize } from "../../compiler/plan/kernel-plan.js";
import { placeBuffers } from "./arena.js";

const DTYPE_BYTES = { float32: 4, int32: 4, int8: 1, uint8: 1 } as const;

/** Each buffer's bytes at an input of h x w pixels. */
export function bufferBytes(plan: KernelPlan, h: number, w: number): number[] {
  return plan.buffers.map(
    (b) => shapeAtSize(plan.model, b.shape, h, w).reduce((p, d) => p * d, 1) * DTYPE_BYTES[b.dtype],
  );
}

/**
 * Live ranges as the artifacts place them: the host writes the input before the first kernel and
 * reads the output after the last, so those two stay live to the ends of the run.
 */
export function liveRanges(plan: KernelPlan): [number, number][] {
  return plan.buffers.map((b) => [
    b.id === plan.input ? Math.min(0, b.firstUse) : b.firstUse,
    b.id === plan.output ? plan.kernels.length : b.lastUse,
  ]);
}

/**
 * What `qmc compile` decided about running the plan besides the plan itself. It rides on the plan
 * (a DeployedPlan is a KernelPlan) through the emitters, which record it in the artifact's `meta`.
 */
export interface Deployment {
  /** The square tile that fits `--memory-budget` (its free axes; fixed axes keep their size), or null. */
  readonly tile: number | null;
  /** The budget in bytes the tile was fitted to, or null. */
  readonly memoryBudget: number | null;
  /** Where the js artifact's constants live: in the script as base64, or in a `.bin` the host reads. */
  readonly weights: "inline" | "external";
}

export interface DeployedPlan extends KernelPlan {
  readonly deployment?: Deployment;
}

export const DEFAULT_DEPLOYMENT: Deployment = { tile: null, memoryBudget: null, weights: "inline" };

export function deploymentOf(plan: DeployedPlan): Deployment {
  return plan.deployment ?? DEFAULT_DEPLOYMENT;
}

export function arenaBytes(plan: KernelPlan, h: number, w: number): number {
  return placeBuffers(bufferBytes(plan, h, w), liveRanges(plan)).total;
}

/** The sizes at which `arena_bytes` is sampled: the fit is exact there and close in between. */
const SAMPLES = [64, 128] as const;

/**
 * The artifact's `meta` object (DESIGN.md, bundle ABI). The arena of a greedy placement is not
 * exactly affine in h*w, so `arena_bytes` is the line through two square sizes; qmc_prepare always
 * computes the exact figure.
 */
export function artifactMeta(plan: DeployedPlan, target: string, compilerVersion: string) {
  const deployment = deploymentOf(plan);
  const { h: fixedH, w: fixedW } = plan.model.inputSize;
  const sampled = SAMPLES.map((s): [number, number] => {
    const size = roundUpToMultiple(plan.model, s, s);
    return [fixedH ?? size.h, fixedW ?? size.w];
  });
  const [b0, b1] = sampled.map(([h, w]) => arenaBytes(plan, h, w));
  const [p0, p1] = sampled.map(([h, w]) => h * w);
  // A fixed-size artifact has one arena: nothing scales with the pixel count.
  const perPixel = p1 === p0 ? 0 : (b1 - b0) / (p1 - p0);
  return {
    abi: 1,
    model: plan.model.name,
    task: plan.model.task,
    scale: plan.model.scale,
    channels: plan.model.inChannels,
    out_channels: plan.model.outChannels,
    bits: [...plan.model.bits],
    target,
    source_sha256: plan.model.sha256,
    compiler: compilerVersion,
    input_size: [fixedH, fixedW],
    // Runs take heights and widths that are multiples of these (the runtime pads to them).
    size_multiple: [plan.model.sizeMultiple.h, plan.model.sizeMultiple.w],
    arena_bytes: { fixed: b0 - perPixel * p0, per_pixel: perPixel, sampled_at: sampled },
    // The runtime and the ES5 restore tile with this when the caller names no tile.
    tile: deployment.tile,
    memory_budget: deployment.memoryBudget,
  };
}
