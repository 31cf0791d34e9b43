import { constantBytes, type KernelPlan, type PlanDType, shapeAtSize } from "./kernel-plan.js";
import { peakLiveBytes, placeBuffers } from "./memory.js";

const BYTES: Record<PlanDType, number> = { float32: 4, int32: 4, int8: 1, uint8: 1 };

export interface PlanReport {
  readonly size: { readonly h: number; readonly w: number };
  /** What input heights and widths must be multiples of, and why (KernelPlan's ModelInfo). */
  readonly sizeMultiple: KernelPlan["model"]["sizeMultiple"];
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
  const shapes = plan.buffers.map((b) => shapeAtSize(plan.model, b.shape, h, w));
  const bytes = plan.buffers.map((b, i) => shapes[i].reduce((a, d) => a * d, 1) * BYTES[b.dtype]);
  const ranges = plan.buffers.map((b) => [b.firstUse, b.lastUse] as const);
  const placement = placeBuffers(bytes, ranges);
  const constantSize = new Map(plan.constants.map((c) => [c.id, c.bytes.length]));
  return {
    size: { h, w },
    sizeMultiple: plan.model.sizeMultiple,
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

/**
 * RAM and ROM of the ES5 artifact as a device host loads it (targets/js/footprint.ts computes them),
 * at one run size: the memory-budget tile, else the size reports use. RAM is the larger of the
 * loading and running peaks.
 */
export interface DeviceMemory {
  /** Height and width of one run. */
  readonly size: { readonly h: number; readonly w: number };
  /** meta.tile and the budget it was fitted to, or null. */
  readonly tile: number | null;
  readonly budget: number | null;
  readonly arenaBytes: number;
  readonly scratchBytes: number;
  readonly decodedWeightBytes: number;
  /** The script's text, of which `codeBytes` code and `weightTextBytes` base64 weights. */
  readonly scriptBytes: number;
  readonly codeBytes: number;
  readonly weightTextBytes: number;
  /** RAM the compiled code holds (`codeFactor` times its text). */
  readonly codeRamBytes: number;
  readonly codeFactor: number;
  /** RAM of the engine's objects (kernel functions, constant arrays, buffer views) beyond their text and data. */
  readonly objectRamBytes: number;
  readonly objects: number;
  /** Buffers of the largest constant's decoding. */
  readonly decodingBytes: number;
  readonly weightsFileBytes: number;
  readonly loadingRamBytes: number;
  readonly runningRamBytes: number;
  readonly ramBytes: number;
  readonly romBytes: number;
  /** With external weights: how much less the loading peak and the RAM are than with inline weights. */
  readonly saved: { readonly loadingBytes: number; readonly ramBytes: number } | null;
}

export function formatDeviceMemory(m: DeviceMemory): string[] {
  const n = (x: number) => x.toLocaleString("en-US");
  const at =
    m.tile === null
      ? `at ${m.size.h}x${m.size.w}`
      : `at ${m.size.h}x${m.size.w} tiles (meta.tile${m.budget === null ? "" : `, fitted to a budget of ${n(m.budget)} bytes`})`;
  const held = `compiled code ${n(m.codeRamBytes)} (${m.codeFactor}x ${n(m.codeBytes)} bytes of code text) + objects ${n(m.objectRamBytes)} (${n(m.objects)} functions, arrays and views) + decoded weights ${n(m.decodedWeightBytes)}`;
  const text = m.weightTextBytes ? ` + base64 weights ${n(m.weightTextBytes)}` : "";
  const lines = [
    `  device memory of the ES5 artifact ${at}:`,
    `    RAM ${n(m.ramBytes)} bytes, the larger of`,
    `      running ${n(m.runningRamBytes)}: ${held} + arena ${n(m.arenaBytes)} + scratch ${n(m.scratchBytes)}`,
    `      loading ${n(m.loadingRamBytes)}: ${held}${text} + decoding ${n(m.decodingBytes)}`,
    `    ROM ${n(m.romBytes)} bytes: script text ${n(m.scriptBytes)}${m.weightsFileBytes ? ` + weights file ${n(m.weightsFileBytes)}` : ""}`,
  ];
  if (m.saved) {
    lines.push(
      `    external weights: loading needs ${n(m.saved.loadingBytes)} bytes less than with inline weights; RAM at this size ${m.saved.ramBytes >= 0 ? `${n(m.saved.ramBytes)} less` : `${n(-m.saved.ramBytes)} more (the loader's code)`}`,
    );
  }
  return lines;
}
