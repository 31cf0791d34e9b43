import type { Engine } from "./engine.js";
import { QmcRuntimeError } from "./errors.js";
import { type Model, modelFromEngine } from "./model.js";
import { type EvaluateScript, scriptEngine, type Transpile } from "./script-artifact.js";
import { isWasm, wasmEngine } from "./wasm-artifact.js";

export interface LoadOptions {
  /**
   * Makes `ts` artifacts loadable: TypeScript source in, a script defining `module.exports` (or
   * `exports.default`) out. Without it a `ts` artifact is refused with a message saying so; the
   * core carries no TypeScript compiler because it must stay small enough for browsers.
   */
  readonly transpile?: Transpile;
  /**
   * Runs a `js` artifact's script (or a transpiled `ts` one) and returns its `module.exports`. The
   * default runs it in this realm, where it can reach everything the page or process can; the Node
   * helpers (loadModelFile, the CLI) pass a sandbox with a time limit (runtime/node/sandbox.ts).
   */
  readonly evaluate?: EvaluateScript;
}

/**
 * Any qmc artifact: `.wasm` bytes (recognised by their magic number), or the text of a `js` or
 * `ts` artifact, as a string or as UTF-8 bytes.
 */
export async function loadModel(
  artifact: Uint8Array | ArrayBuffer | string,
  options: LoadOptions = {},
): Promise<Model> {
  return modelFromEngine(await loadEngine(artifact, options));
}

export async function loadEngine(
  artifact: Uint8Array | ArrayBuffer | string,
  options: LoadOptions = {},
): Promise<Engine> {
  if (typeof artifact === "string") return scriptEngine(artifact, options.transpile, options.evaluate);
  const bytes = artifact instanceof Uint8Array ? artifact : new Uint8Array(artifact);
  if (isWasm(bytes)) return wasmEngine(bytes);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new QmcRuntimeError("not a qmc artifact: neither a WebAssembly module nor UTF-8 script text");
  }
  if (!/qmc_prepare/.test(text)) {
    throw new QmcRuntimeError(
      "not a qmc artifact: neither a WebAssembly module nor a js/ts artifact (no qmc_prepare in its text)",
    );
  }
  return scriptEngine(text, options.transpile, options.evaluate);
}
