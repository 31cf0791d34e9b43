import { transpileTypeScript } from "../../runtime/node/typescript.js";
import { QmcError } from "../diagnostics.js";

/**
 * An artifact reached below the runtime's Engine: its whole memory, not only the image buffers, so
 * that every buffer of a kernel can be written and read at its placed offset.
 */
export interface RawArtifact {
  prepare(h: number, w: number): void;
  /** The memory after the last prepare (js/ts replace it, wasm may grow it): re-read after prepare. */
  memory(): ArrayBuffer;
  /** Byte offset of the plan's input buffer, where the arena's placement is anchored. */
  inputOffset(): number;
  run(): void;
}

interface BundleObject {
  qmc_prepare(h: number, w: number): number;
  qmc_input(): number;
  qmc_run(): number;
  memory: ArrayBuffer | { buffer: ArrayBuffer };
}

// The project compiles without the DOM library, which declares WebAssembly; the one call used here.
const wasm = (
  globalThis as unknown as {
    WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: object } }> };
  }
).WebAssembly;

function checked(what: string, status: number): void {
  if (status < 0) throw new QmcError(`${what} returned ${status}`);
}

function wrap(abi: BundleObject): RawArtifact {
  return {
    prepare: (h, w) => checked(`qmc_prepare(${h}, ${w})`, abi.qmc_prepare(h, w)),
    memory: () => (abi.memory instanceof ArrayBuffer ? abi.memory : abi.memory.buffer),
    inputOffset: () => abi.qmc_input(),
    run: () => checked("qmc_run()", abi.qmc_run()),
  };
}

/** A `.wasm` artifact's instance, or a js/ts artifact's object (ts transpiled first). */
export async function loadRawArtifact(artifact: string | Uint8Array, target: string): Promise<RawArtifact> {
  if (typeof artifact !== "string") {
    try {
      const { instance } = await wasm.instantiate(artifact, {});
      return wrap(instance.exports as unknown as BundleObject);
    } catch (e) {
      const hint = /simd|opcode/i.test(String(e))
        ? " (relaxed-SIMD artifacts need node --experimental-wasm-relaxed-simd on Node 20)"
        : "";
      throw new QmcError(`the ${target} artifact does not load: ${(e as Error).message}${hint}`);
    }
  }
  const source = /^\s*export\s/m.test(artifact) ? await transpileTypeScript(artifact) : artifact;
  const module = { exports: {} as { default?: BundleObject } & Partial<BundleObject> };
  new Function("module", "exports", source)(module, module.exports);
  return wrap(module.exports.default ?? (module.exports as BundleObject));
}
