import { readFileSync } from "node:fs";
import { noiseImage } from "../compiler/diff/record.js";
import { type Timing, type TimingWindow, timeIt } from "./time.js";

export type OrtFlavour = "onnxruntime-node" | "onnxruntime-web";

/** The ORT API both packages share, as far as used here. */
interface Ort {
  InferenceSession: {
    create(
      model: Uint8Array,
      options: object,
    ): Promise<{
      inputNames: readonly string[];
      run(feeds: Record<string, unknown>): Promise<unknown>;
      release(): Promise<void>;
    }>;
  };
  Tensor: new (type: "float32", data: Float32Array, dims: number[]) => unknown;
  env: { wasm: { numThreads: number; simd?: boolean } };
}

/** A session ready to run (`run`), and its release. */
export interface PreparedOrt {
  readonly run: () => Promise<unknown>;
  readonly release: () => Promise<void>;
}

/**
 * A model under onnxruntime, ready to run on a noise image: native CPU with one intra-op thread, or
 * the web build's WebAssembly SIMD backend with one thread. Failures come back as a reason, not a
 * throw, so the table can say why a column is empty.
 */
export async function prepareOrt(
  flavour: OrtFlavour,
  model: string,
  channels: number,
  h: number,
  w: number,
): Promise<PreparedOrt | { skipped: string }> {
  let ort: Ort;
  try {
    ort = (await import(flavour)) as unknown as Ort;
  } catch (e) {
    return { skipped: `${flavour} does not load: ${(e as Error).message.split("\n")[0]}` };
  }
  try {
    const options =
      flavour === "onnxruntime-node"
        ? { executionProviders: ["cpu"], intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: "sequential" }
        : { executionProviders: ["wasm"] };
    if (flavour === "onnxruntime-web") ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(readFileSync(model), options);
    const x = noiseImage(channels, h, w);
    const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", x.values as Float32Array, [1, channels, h, w]) };
    return { run: () => session.run(feeds), release: () => session.release() };
  } catch (e) {
    return { skipped: `${flavour}: ${(e as Error).message.split("\n")[0]}` };
  }
}

/** The standard-ops export of a model under onnxruntime (prepareOrt), timed. */
export async function benchOrt(
  flavour: OrtFlavour,
  stdModel: string,
  channels: number,
  h: number,
  w: number,
  window?: TimingWindow,
): Promise<Timing | { skipped: string }> {
  const prepared = await prepareOrt(flavour, stdModel, channels, h, w);
  if ("skipped" in prepared) return prepared;
  try {
    return await timeIt(prepared.run, window);
  } catch (e) {
    return { skipped: `${flavour}: ${(e as Error).message.split("\n")[0]}` };
  } finally {
    await prepared.release();
  }
}
