import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { QmcError } from "../../diagnostics.js";
import type { Tensor } from "../../ir/tensor.js";
import { onnx } from "../../onnx/onnx-proto.js";
import type { Contender } from "./contender.js";

export type OrtFlavour = "onnxruntime-node" | "onnxruntime-web";

/** The names `--vs` takes for each flavour. */
const FLAVOURS: Readonly<Record<string, OrtFlavour>> = {
  "ort-node": "onnxruntime-node",
  "ort-web": "onnxruntime-web",
  "onnxruntime-node": "onnxruntime-node",
  "onnxruntime-web": "onnxruntime-web",
};

/** Parses `--vs`: known flavours, each once, in the order given. */
export function parseVs(text: string): OrtFlavour[] {
  const names = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new QmcError(`--vs '${text}' names no runtime (expected ort-node, ort-web or both)`);
  const unknown = names.filter((n) => !(n in FLAVOURS));
  if (unknown.length > 0) {
    throw new QmcError(`--vs: unknown runtime '${unknown[0]}' (expected ort-node, ort-web or both, comma-separated)`);
  }
  return [...new Set(names.map((n) => FLAVOURS[n]))];
}

/** The onnxruntime API both packages share, as far as used here. */
interface Ort {
  InferenceSession: {
    create(
      model: Uint8Array | string,
      options: object,
    ): Promise<{
      inputNames: readonly string[];
      run(feeds: Record<string, unknown>): Promise<unknown>;
      release(): Promise<void>;
    }>;
  };
  Tensor: new (type: "float32", data: Float32Array, dims: number[]) => unknown;
  env: { versions: Record<string, string>; wasm: { numThreads: number } };
}

/**
 * The package, imported only when asked for: both are development dependencies, absent from an
 * install that only compiles.
 */
async function loadOrt(flavour: OrtFlavour): Promise<Ort> {
  try {
    return (await import(flavour)) as unknown as Ort;
  } catch (e) {
    throw new QmcError(
      `--vs: ${flavour} does not load (${(e as Error).message.split("\n")[0]}); install it with npm install --save-dev ${flavour}@1.30`,
    );
  }
}

/** The files the top-level graph's initializers keep their data in (ONNX external data), each once. */
function externalDataFiles(model: Uint8Array): string[] {
  const initializers = onnx.ModelProto.decode(model).graph?.initializer ?? [];
  const locations = initializers.flatMap((t) => (t.externalData ?? []).filter((e) => e.key === "location"));
  return [...new Set(locations.map((e) => e.value ?? ""))];
}

/**
 * How the flavour opens the model: onnxruntime-node by path, so that it finds external data beside
 * the file; onnxruntime-web, which has no file system, from bytes with every external data file
 * handed over by the name the model uses.
 */
function sessionSource(flavour: OrtFlavour, modelFile: string): { model: Uint8Array | string; options: object } {
  if (flavour === "onnxruntime-node") return { model: modelFile, options: {} };
  const model = readFileSync(modelFile);
  const externalData = externalDataFiles(model).map((path) => ({
    path,
    data: readFileSync(join(dirname(modelFile), path)),
  }));
  return { model, options: externalData.length > 0 ? { externalData } : {} };
}

/** The package's version, as it reports it. */
export async function ortVersion(flavour: OrtFlavour): Promise<string> {
  const ort = await loadOrt(flavour);
  return ort.env.versions[flavour === "onnxruntime-node" ? "node" : "web"] ?? ort.env.versions.common ?? "unknown";
}

/**
 * A model under onnxruntime, ready to run on `input`: the native CPU provider with `threads`
 * intra-op threads, or the web build's WebAssembly SIMD backend on one thread (its threads need
 * SharedArrayBuffer workers, which a browser page gets only cross-origin isolated).
 */
export async function ortContender(
  flavour: OrtFlavour,
  modelFile: string,
  input: Tensor,
  threads: number,
): Promise<Contender> {
  const ort = await loadOrt(flavour);
  const options =
    flavour === "onnxruntime-node"
      ? {
          executionProviders: ["cpu"],
          intraOpNumThreads: threads,
          interOpNumThreads: 1,
          executionMode: "sequential",
        }
      : { executionProviders: ["wasm"] };
  if (flavour === "onnxruntime-web") ort.env.wasm.numThreads = 1;
  try {
    const source = sessionSource(flavour, modelFile);
    const session = await ort.InferenceSession.create(source.model, { ...options, ...source.options });
    const feeds = {
      [session.inputNames[0]]: new ort.Tensor("float32", input.values as Float32Array, [...input.shape]),
    };
    // One run here, so that a model onnxruntime refuses at this size fails now, with its reason.
    await session.run(feeds);
    const used = flavour === "onnxruntime-node" ? threads : 1;
    return {
      name: flavour,
      label: `${flavour} (${flavour === "onnxruntime-node" ? "native CPU" : "wasm SIMD"}, ${used} thread${used > 1 ? "s" : ""})`,
      kind: "onnxruntime",
      run: () => session.run(feeds),
      facts: () => ({}),
      close: () => session.release(),
    };
  } catch (e) {
    throw new QmcError(`${flavour} on ${modelFile}: ${(e as Error).message.split("\n")[0]}`);
  }
}
