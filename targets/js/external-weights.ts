import type { KernelPlan, PlanConstant } from "../../compiler/plan/kernel-plan.js";
import type { FnDecl } from "../shared/artifact.js";
import { CodeWriter } from "../shared/code-writer.js";
import type { HelperName } from "./runtime/helpers.js";

/**
 * `--weights external`: the constants leave the script for a `.bin` (their bytes back to back, in
 * plan order, as the script would have carried them in base64), and the host hands them over through
 * one function, read(offset, length) -> bytes, called once per constant by `qmc_load_weights`. A
 * device keeps the `.bin` in flash and the heap never holds the weights as text. A 32-bit FNV-1a
 * checksum in `meta.weights` catches a `.bin` from another compile.
 */

export interface WeightsLayout {
  /** Byte offset of each constant in the `.bin`, in plan order. */
  readonly offsets: readonly number[];
  readonly bytes: number;
  readonly fnv1a: number;
}

export function weightsLayout(plan: KernelPlan): WeightsLayout {
  const offsets: number[] = [];
  let bytes = 0;
  let hash = FNV_OFFSET;
  for (const c of plan.constants) {
    offsets.push(bytes);
    bytes += c.bytes.length;
    hash = fnv1a(hash, c.bytes);
  }
  return { offsets, bytes, fnv1a: hash };
}

/** The `.bin` file: every constant's bytes back to back. */
export function weightsFile(plan: KernelPlan): Uint8Array {
  const { offsets, bytes } = weightsLayout(plan);
  const out = new Uint8Array(bytes);
  plan.constants.forEach((c, i) => {
    out.set(c.bytes, offsets[i]);
  });
  return out;
}

const FNV_OFFSET = 2166136261;

function fnv1a(hash: number, bytes: Uint8Array): number {
  let h = hash;
  for (const b of bytes) h = Math.imul(h ^ b, 16777619) >>> 0;
  return h;
}

/** Error code of `qmc_load_weights` when the host's bytes are not this artifact's. */
export const BAD_WEIGHTS = -5;

/** The runtime helper that decodes constant `c` from the host's bytes. */
function fromBytesHelper(c: PlanConstant): HelperName {
  if (c.encoding.kind === "float32") return "float32FromBytes";
  if (c.encoding.kind === "int32") return "int32FromBytes";
  return "packedFromBytes";
}

/** The runtime helpers qmc_load_weights calls: the reader, the checksum and this plan's decoders only. */
export function loadWeightsHelpers(plan: KernelPlan): HelperName[] {
  return ["readWeights", "fnv1a", ...plan.constants.map(fromBytesHelper)];
}

function decodeCall(c: PlanConstant): string {
  const count = c.shape.reduce((a, b) => a * b, 1);
  const bits = c.encoding.kind === "packed" ? `, ${c.encoding.bits}` : "";
  return `${fromBytesHelper(c)}(bytes, ${count}${bits})`;
}

/** `qmc_load_weights(read)`: reads and decodes every constant into the variables the kernels use. */
export function loadWeightsFn(plan: KernelPlan, constantVar: (id: number) => string): FnDecl {
  const layout = weightsLayout(plan);
  const w = new CodeWriter();
  w.line("var hash = 2166136261, bytes;");
  w.line("weightsLoaded = false;");
  plan.constants.forEach((c, i) => {
    w.line(`bytes = readWeights(read, ${layout.offsets[i]}, ${c.bytes.length});`);
    w.line(`if (!bytes) return ${BAD_WEIGHTS};`);
    w.line("hash = fnv1a(hash, bytes);");
    w.line(`${constantVar(c.id)} = ${decodeCall(c)};`);
  });
  w.line(`if (hash !== ${layout.fnv1a}) return ${BAD_WEIGHTS};`);
  w.line("weightsLoaded = true;");
  w.line("return 0;");
  return {
    name: "qmc_load_weights",
    params: [{ name: "read", type: "(offset: number, length: number) => ArrayLike<number> | ArrayBuffer" }],
    returns: "number",
    doc: [
      `Reads the ${layout.bytes}-byte weights file through read(offset, length), which returns that many`,
      `bytes (a Uint8Array, an ArrayBuffer or an array). 0, or ${BAD_WEIGHTS} when the bytes are not this`,
      "artifact's (a short read, or another compile's file: meta.weights.fnv1a).",
    ],
    body: w.toString(),
  };
}
