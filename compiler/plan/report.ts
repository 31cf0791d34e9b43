import { constantBytes, evalShape, type KernelPlan, type PlanDType } from "./kernel-plan.js";
import { peakLiveBytes, placeBuffers } from "./memory.js";

const BYTES: Record<PlanDType, number> = { float32: 4, int32: 4, int8: 1, uint8: 1 };

export interface PlanReport {
  readonly size: { readonly h: number; readonly w: number };
  readonly kernels: {
    readonly name: string;
    readonly kind: string;
    readonly arithmetic: string;
    readonly constantBytes: number;
    readonly sources: readonly string[];
  }[];
  readonly buffers: {
    readonly id: number;
    readonly name: string;
    readonly shape: number[];
    readonly bytes: number;
    readonly offset: number;
    readonly live: readonly [number, number];
  }[];
  /** Arena bytes the greedy plan needs at this size. */
  readonly arenaBytes: number;
  /** The largest sum of simultaneously live buffers: no plan can do better. */
  readonly liveBytesBound: number;
  readonly constantBytes: number;
}

/** The memory plan and kernel list at one input size, as `qmc inspect --plan` shows them. */
export function planReport(plan: KernelPlan, h: number, w: number): PlanReport {
  const shapes = plan.buffers.map((b) => evalShape(b.shape, h, w));
  const bytes = plan.buffers.map((b, i) => shapes[i].reduce((a, d) => a * d, 1) * BYTES[b.dtype]);
  const ranges = plan.buffers.map((b) => [b.firstUse, b.lastUse] as const);
  const placement = placeBuffers(bytes, ranges);
  const constantSize = new Map(plan.constants.map((c) => [c.id, c.bytes.length]));
  return {
    size: { h, w },
    kernels: plan.kernels.map((k) => ({
      name: k.name,
      kind: k.kind,
      arithmetic: k.arithmetic,
      constantBytes: k.inputs.reduce(
        (s, op) => s + (op && "constant" in op ? (constantSize.get(op.constant) ?? 0) : 0),
        0,
      ),
      sources: k.sources,
    })),
    buffers: plan.buffers.map((b, i) => ({
      id: b.id,
      name: b.name,
      shape: shapes[i],
      bytes: bytes[i],
      offset: placement.offsets[i],
      live: ranges[i],
    })),
    arenaBytes: placement.total,
    liveBytesBound: peakLiveBytes(bytes, ranges),
    constantBytes: constantBytes(plan),
  };
}
