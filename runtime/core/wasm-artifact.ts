import { BUNDLE_FUNCTIONS, type BundleFunctions, bundleEngine, type Engine } from "./engine.js";
import { QmcRuntimeError } from "./errors.js";
import { parseMeta } from "./meta.js";

// The parts of the WebAssembly JS API used here, typed locally: the project compiles without the
// DOM library, and a global declaration would clash with it wherever it is present.
interface WasmModule {
  readonly __brand: "WebAssembly.Module";
}
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: object): Promise<{ exports: Record<string, unknown> }>;
  Module: {
    customSections(module: WasmModule, name: string): ArrayBuffer[];
    imports(module: WasmModule): { module: string; name: string; kind: string }[];
  };
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

export function isWasm(bytes: Uint8Array): boolean {
  return WASM_MAGIC.every((b, i) => bytes[i] === b);
}

/** A `.wasm` artifact: no imports, the five ABI exports, meta in the `qmc.meta` custom section. */
export async function wasmEngine(bytes: Uint8Array): Promise<Engine> {
  if (!wasm) throw new QmcRuntimeError("this JavaScript engine has no WebAssembly: use the js artifact");
  let module: WasmModule;
  try {
    module = await wasm.compile(bytes);
  } catch (e) {
    const hint = /simd|opcode/i.test(String(e))
      ? " (SIMD or relaxed-SIMD artifacts need an engine that supports them; Node 20 needs --experimental-wasm-relaxed-simd for relaxed SIMD)"
      : "";
    throw new QmcRuntimeError(`not a valid WebAssembly module: ${(e as Error).message}${hint}`);
  }
  const sections = wasm.Module.customSections(module, "qmc.meta");
  if (sections.length !== 1) {
    throw new QmcRuntimeError(
      `WebAssembly module has ${sections.length} 'qmc.meta' custom sections, a qmc artifact has exactly one`,
    );
  }
  let metaJson: unknown;
  try {
    metaJson = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(sections[0]));
  } catch (e) {
    throw new QmcRuntimeError(`'qmc.meta' custom section is not UTF-8 JSON: ${(e as Error).message}`);
  }
  const meta = parseMeta(metaJson, "'qmc.meta' custom section");
  const imports = wasm.Module.imports(module);
  if (imports.length > 0) {
    const names = imports.map((i) => `${i.module}.${i.name}`).join(", ");
    throw new QmcRuntimeError(`WebAssembly artifact imports ${names}; a qmc artifact imports nothing`);
  }
  const { exports } = await wasm.instantiate(module, {});
  const missing = [...BUNDLE_FUNCTIONS, "memory"].filter((name) =>
    name === "memory" ? !(exports.memory as WasmMemory)?.buffer : typeof exports[name] !== "function",
  );
  if (missing.length > 0) {
    throw new QmcRuntimeError(`WebAssembly artifact does not export ${missing.join(", ")}`);
  }
  const memory = exports.memory as WasmMemory;
  return bundleEngine(meta, exports as unknown as BundleFunctions, () => memory.buffer);
}
