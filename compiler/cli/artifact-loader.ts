import { extname } from "node:path";
import { SingleBar } from "cli-progress";
import { QmcRuntimeError } from "../../runtime/core/errors.js";
import { loadModel } from "../../runtime/core/load.js";
import type { Model } from "../../runtime/core/model.js";
import { loadModelFile } from "../../runtime/node/files.js";
import { evaluateInSandbox } from "../../runtime/node/sandbox.js";
import { transpileTypeScript } from "../../runtime/node/typescript.js";
import { QmcError } from "../diagnostics.js";
import { compileModelForRun } from "./compile-model.js";

/**
 * What `run` and `eval` restore with: an artifact file (.wasm, .js, .ts), or an .onnx model
 * compiled in memory for the occasion.
 */
export async function loadModelOrArtifact(path: string): Promise<Model> {
  if (extname(path).toLowerCase() !== ".onnx") return loadModelFile(path);
  const artifact = await compileModelForRun(path);
  try {
    return await loadModel(artifact, { transpile: transpileTypeScript, evaluate: evaluateInSandbox });
  } catch (e) {
    if (e instanceof QmcRuntimeError) throw new QmcRuntimeError(`${path} (compiled in memory): ${e.message}`);
    throw e;
  }
}

/** Runtime failures are the user's to act on: one line, no stack, like every QmcError. */
export async function asUserErrors<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof QmcRuntimeError) throw new QmcError(e.message);
    throw e;
  }
}

/** A progress bar on stderr (drawn only on a terminal) driven by onProgress(done, total) calls. */
export function progressBar(unit: string): { update: (done: number, total: number) => void; stop: () => void } {
  const bar = new SingleBar({
    format: `{bar} {value}/{total} ${unit}`,
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
  });
  let started = false;
  return {
    update(done, total) {
      if (!started) bar.start(total, 0);
      started = true;
      bar.setTotal(total);
      bar.update(done);
    },
    stop: () => {
      if (started) bar.stop();
      started = false;
    },
  };
}
