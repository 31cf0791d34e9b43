import { QmcRuntimeError } from "./errors.js";
import { type LoadOptions, loadModel } from "./load.js";
import type { Model } from "./model.js";
import { isWasm } from "./wasm-artifact.js";

interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const V128 = 0x7b;
const I32 = 0x7f;
const v128Const = (byte: number) => [0xfd, 0x0c, ...new Array<number>(16).fill(byte)];
// i32x4.relaxed_dot_i8x16_i7x16_add_s
const RELAXED_DOT = [0xfd, 0x93, 0x02];

/** A module exporting "f", of type () -> result, whose body is the given instructions. */
function probe(result: number, instructions: readonly number[]): Uint8Array {
  const body = [0x00, ...instructions, 0x0b];
  return Uint8Array.from([
    ...HEADER,
    ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, result],
    ...[0x03, 0x02, 0x01, 0x00],
    ...[0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00],
    ...[0x0a, body.length + 2, 0x01, body.length, ...body],
  ]);
}

/**
 * Whether the relaxed int8 dot runs and adds as specified: bytes of 2 dotted with bytes of 3 make 24
 * per i32 lane, plus the addend's lane 0x01010101. Node 20 compiles it behind --experimental-wasm-relaxed-simd, but its baseline compiler
 * (V8 11.3 Liftoff) drops the addend and doubles the sum, so validating is not enough.
 */
function relaxedDotWorks(api: WasmApi): boolean {
  const bytes = probe(I32, [...v128Const(2), ...v128Const(3), ...v128Const(1), ...RELAXED_DOT, 0xfd, 0x1b, 0x00]);
  if (!api.validate(bytes)) return false;
  const f = new api.Instance(new api.Module(bytes), {}).exports.f as () => number;
  return f() === 0x01010101 + 24;
}

/** The WebAssembly features this engine validates: SIMD128 and relaxed SIMD. */
export function wasmFeatures(): { wasm: boolean; simd: boolean; relaxedSimd: boolean } {
  if (!wasm) return { wasm: false, simd: false, relaxedSimd: false };
  return {
    wasm: true,
    simd: wasm.validate(probe(V128, v128Const(0))),
    relaxedSimd: relaxedDotWorks(wasm),
  };
}

type Artifact = Uint8Array | ArrayBuffer | string;

/**
 * The first artifact of `candidates` (best first, e.g. [relaxed, simd, mvp, js]) that this engine can
 * run: a `.wasm` one when the engine validates it (which fails for SIMD or relaxed-SIMD instructions
 * the engine lacks) and, for wasm-relaxed, computes the relaxed dot right; a js or ts one always.
 */
export async function loadBestModel(candidates: readonly Artifact[], options: LoadOptions = {}): Promise<Model> {
  for (const artifact of candidates) {
    if (typeof artifact === "string") return loadModel(artifact, options);
    const bytes = artifact instanceof Uint8Array ? artifact : new Uint8Array(artifact);
    if (isWasm(bytes) && !(wasm?.validate(bytes) ?? false)) continue;
    const model = await loadModel(bytes, options);
    if (model.info.target !== "wasm-relaxed" || wasmFeatures().relaxedSimd) return model;
  }
  const features = wasmFeatures();
  const has = Object.entries(features)
    .filter(([, on]) => on)
    .map(([name]) => name);
  throw new QmcRuntimeError(
    `none of the ${candidates.length} artifacts runs on this engine (it supports: ${has.join(", ") || "no WebAssembly"}); add a js artifact as the last fallback`,
  );
}
