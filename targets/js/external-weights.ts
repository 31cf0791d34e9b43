import type { KernelPlan, PlanConstant } from "../../compiler/plan/kernel-plan.js";
import type { FnDecl } from "../shared/artifact.js";
import { CodeWriter } from "../shared/code-writer.js";
import { CODES_FROM_BYTES, wordsFromView } from "./runtime/constants.js";

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

const BYTES_PARAMS = [
  { name: "bytes", type: "Uint8Array" },
  { name: "count", type: "number" },
];
/** The host's bytes may be a window on a larger buffer (a subarray of the whole file). */
const HOST_VIEW = "var view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);\n";

/**
 * The ES5 helpers the loader calls: the host's answer as a Uint8Array of the asked length (or null),
 * the checksum (no Math.imul in ES5: the product is split so every step stays exact in a double),
 * and decoders from little-endian bytes, ending as the inline constants' base64 decoders do.
 */
export const EXTERNAL_WEIGHT_HELPERS: readonly FnDecl[] = [
  {
    name: "readWeights",
    params: [
      { name: "read", type: "(offset: number, length: number) => ArrayLike<number> | ArrayBuffer" },
      { name: "offset", type: "number" },
      { name: "length", type: "number" },
    ],
    returns: "Uint8Array | null",
    body: `
var data = read(offset, length);
if (!(data instanceof Uint8Array)) data = new Uint8Array(data);
return data.length === length ? data : null;
`,
  },
  {
    name: "fnv1a",
    params: [
      { name: "hash", type: "number" },
      { name: "bytes", type: "Uint8Array" },
    ],
    returns: "number",
    body: `
for (var i = 0; i < bytes.length; i++) {
  hash = (hash ^ bytes[i]) >>> 0;
  hash = (((hash << 24) >>> 0) + hash * 403) >>> 0;
}
return hash;
`,
  },
  {
    name: "float32FromBytes",
    params: BYTES_PARAMS,
    returns: "Float32Array",
    body: `\n${HOST_VIEW}${wordsFromView("Float32Array")}`,
  },
  {
    name: "int32FromBytes",
    params: BYTES_PARAMS,
    returns: "Int32Array",
    body: `\n${HOST_VIEW}${wordsFromView("Int32Array")}`,
  },
  {
    name: "packedFromBytes",
    params: [...BYTES_PARAMS, { name: "bits", type: "number" }],
    returns: "Int8Array",
    body: `\n${CODES_FROM_BYTES}`,
  },
];

function decodeCall(c: PlanConstant): string {
  const count = c.shape.reduce((a, b) => a * b, 1);
  if (c.encoding.kind === "float32") return `float32FromBytes(bytes, ${count})`;
  if (c.encoding.kind === "int32") return `int32FromBytes(bytes, ${count})`;
  return `packedFromBytes(bytes, ${count}, ${c.encoding.bits})`;
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
