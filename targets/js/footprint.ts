import { arenaBytes, type DeployedPlan } from "../shared/meta.js";
import { printEs5 } from "./emit.js";
import { weightsLayout } from "./external-weights.js";
import { buildArtifact, type EmitOptions } from "./module.js";

/**
 * The memory an ES5 artifact needs on a device, as embedded developers count it. ROM (flash): the
 * script's text, plus the weights file with `--weights external`. RAM, the larger of two peaks that
 * both hold the compiled code and the decoded constants: loading, with inline weights' base64 text
 * (string constants of the top-level code, which QuickJS and Duktape free once it has run) and the
 * buffers that decode the largest constant; running, with the arena and the kernels' float64 scratch
 * at the run size. Compiled functions take more room than their text (QuickJS holds 1.2x on the tiny
 * samples), so code counts CODE_RAM_FACTOR times its text, and each kernel function, constant array
 * and buffer view OBJECT_RAM_BYTES beyond its text and data. An engine that keeps the source text
 * (Espruino-class) holds the base64 text while running too. The engine's own heap and the host's
 * image buffers come on top.
 */
export interface ScriptFootprint {
  /** The script's text (ROM; RAM while the engine loads it). */
  readonly scriptBytes: number;
  /** Of which base64 weights (0 with external weights). */
  readonly weightTextBytes: number;
  /** The `.bin` beside the script (0 with inline weights). */
  readonly externalBytes: number;
  /** Constants as the kernels read them: float32, int32, and sub-byte codes one per Int8 element. */
  readonly decodedWeightBytes: number;
  /** Buffers alive while the largest constant decodes: its base64 joined and its bytes, or the host's read. */
  readonly decodingBytes: number;
  /** The arena qmc_prepare(h, w) allocates. */
  arenaBytes(h: number, w: number): number;
  /** The kernels' shared float64 scratch at h x w. */
  scratchBytes(h: number, w: number): number;
  /** Engine objects: one function per kernel, one typed array per constant and per buffer view. */
  readonly objects: number;
}

export function scriptFootprint(plan: DeployedPlan, options: EmitOptions): ScriptFootprint {
  const built = buildArtifact(plan, options, options.target ?? "js");
  const external = plan.deployment?.weights === "external";
  return {
    scriptBytes: Buffer.byteLength(printEs5(built.module)),
    weightTextBytes: external ? 0 : plan.constants.reduce((s, c) => s + 4 * Math.ceil(c.bytes.length / 3), 0),
    externalBytes: external ? weightsLayout(plan).bytes : 0,
    decodingBytes: Math.max(
      0,
      ...plan.constants.map((c) => c.bytes.length + (external ? 0 : 4 * Math.ceil(c.bytes.length / 3))),
    ),
    decodedWeightBytes: plan.constants.reduce(
      (s, c) => s + c.shape.reduce((a, b) => a * b, 1) * (c.encoding.kind === "packed" ? 1 : 4),
      0,
    ),
    arenaBytes: (h, w) => arenaBytes(plan, h, w),
    scratchBytes: (h, w) => 8 * built.scratchElements(h, w),
    objects: plan.kernels.length + plan.constants.length + plan.buffers.length,
  };
}

export const CODE_RAM_FACTOR = 1.5;

/**
 * What QuickJS holds per engine object beyond its text or data: measured 52.7 KB more than the code,
 * data, arena and scratch on qmambair-tiny-sr2-w4a4 (143 kernels, 127 constants, 152 buffers) at
 * every tile from 9 to 12 (about 125 bytes each).
 */
export const OBJECT_RAM_BYTES = 128;

/** RAM the compiled code holds. */
export function codeRamBytes(f: ScriptFootprint): number {
  return Math.ceil(CODE_RAM_FACTOR * (f.scriptBytes - f.weightTextBytes));
}

/** RAM the engine's objects hold beyond their text and data. */
export function objectRamBytes(f: ScriptFootprint): number {
  return OBJECT_RAM_BYTES * f.objects;
}

/** RAM at the end of loading: code, objects, decoded constants, inline base64 text, the last decode's buffers. */
export function loadingRamBytes(f: ScriptFootprint): number {
  return codeRamBytes(f) + objectRamBytes(f) + f.decodedWeightBytes + f.weightTextBytes + f.decodingBytes;
}

/** RAM while running at h x w. */
export function runningRamBytes(f: ScriptFootprint, h: number, w: number): number {
  return codeRamBytes(f) + objectRamBytes(f) + f.decodedWeightBytes + f.arenaBytes(h, w) + f.scratchBytes(h, w);
}

/** RAM to load the script and run it at h x w: the larger peak. */
export function ramBytes(f: ScriptFootprint, h: number, w: number): number {
  return Math.max(loadingRamBytes(f), runningRamBytes(f, h, w));
}

export function romBytes(f: ScriptFootprint): number {
  return f.scriptBytes + f.externalBytes;
}

/** The largest tile qmc_prepare takes. */
export const MAX_TILE = 65536;

/**
 * The run size of a tile: the tile along the input's free axes, the compiled size along fixed ones.
 */
export function tileSize(plan: DeployedPlan, tile: number): { h: number; w: number } {
  return { h: plan.model.inputSize.h ?? tile, w: plan.model.inputSize.w ?? tile };
}

/**
 * The largest square tile whose RAM fits `budget`, found by bisection (the arena and scratch grow with
 * the tile) over multiples of the plan's size unit; null as the tile of an input fixed along both
 * axes, which has one size. Undefined when nothing fits, not even the smallest tile (or the fixed size).
 */
export function largestTile(plan: DeployedPlan, f: ScriptFootprint, budget: number): number | null | undefined {
  const unit = Math.max(plan.model.sizeMultiple.h, plan.model.sizeMultiple.w);
  const fits = (k: number) => {
    const { h, w } = tileSize(plan, k * unit);
    return ramBytes(f, h, w) <= budget;
  };
  const { h, w } = plan.model.inputSize;
  if (h !== null && w !== null) return fits(0) ? null : undefined;
  if (!fits(1)) return undefined;
  let lo = 1;
  let hi = Math.floor(MAX_TILE / unit) + 1;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo * unit;
}
