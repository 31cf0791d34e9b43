import { availableParallelism } from "node:os";
import { extname } from "node:path";
import { SingleBar } from "cli-progress";
import { QmcRuntimeError } from "../../runtime/core/errors.js";
import { loadModel } from "../../runtime/core/load.js";
import { type ArtifactMeta, defaultTileOf, fixedSizeOf } from "../../runtime/core/meta.js";
import type { Model } from "../../runtime/core/model.js";
import { readFileBytes } from "../../runtime/node/files.js";
import { createPool } from "../../runtime/node/pool.js";
import { evaluateInSandbox } from "../../runtime/node/sandbox.js";
import { transpileTypeScript } from "../../runtime/node/typescript.js";
import { QmcError } from "../diagnostics.js";

export interface RunModelOptions {
  /** Threads restoring tiles: 1 runs them on this thread, more on a worker pool (default: every core). */
  readonly threads?: number;
  /** The target an .onnx model is compiled to in memory (default: the best wasm this host runs). */
  readonly target?: string;
}

/** A model `run` and `eval` restore with; close() ends its workers. */
export interface RunModel extends Model {
  readonly threads: number;
  close(): Promise<void>;
}

/**
 * What `run` and `eval` restore with: an artifact file (.wasm, .js, .ts), or an .onnx model
 * compiled in memory for the occasion. The compiler (and binaryen) is imported only then, so
 * restoring with an artifact does not pay for loading it.
 */
export async function loadModelOrArtifact(path: string, options: RunModelOptions = {}): Promise<RunModel> {
  const threads = options.threads ?? availableParallelism();
  let artifact: Uint8Array | string;
  let where = path;
  if (extname(path).toLowerCase() === ".onnx") {
    const { compileModelForRun } = await import("./compile-model.js");
    const compiled = await compileModelForRun(path, { target: options.target });
    artifact = compiled.artifact;
    where = `${path} (compiled in memory for ${compiled.target})`;
  } else {
    if (options.target !== undefined) {
      throw new QmcError(`--target compiles an .onnx model; ${path} is an artifact already compiled for its target`);
    }
    artifact = readFileBytes(path, "a qmc artifact (.wasm, .js or .ts)");
  }
  try {
    if (threads > 1) return await createPool(artifact, { threads });
    const model = await loadModel(artifact, { transpile: transpileTypeScript, evaluate: evaluateInSandbox });
    return { ...model, threads, close: async () => {} };
  } catch (e) {
    if (e instanceof QmcRuntimeError) throw new QmcRuntimeError(`${where}: ${e.message}`);
    throw e;
  }
}

/**
 * The arena one restore may take before `run` tiles an image on its own. It is per arena, not
 * divided among threads, so that the tiling, and so the result, does not depend on --threads; each
 * thread holds one arena (a 1024x1024 x2 restore on two threads peaks near 0.7 GB RSS).
 */
export const AUTO_ARENA_CAP = 128 * 1024 * 1024;
/** The overlap of automatic tiles. */
export const AUTO_OVERLAP = 16;
/** Automatic tiles are never larger than this side: bigger tiles gain nothing and cost memory. */
const MAX_AUTO_TILE = 512;

/**
 * The tiling options of a CLI restore: the user's --tile and --overlap; else the artifact's own
 * (meta.tile from a memory budget, or a fixed input size); else, where `auto` and the whole image's
 * arena (meta.arena_bytes) would exceed AUTO_ARENA_CAP, the largest square tile (a multiple of 8,
 * at most 512) whose arena fits, overlapping by AUTO_OVERLAP. `eval` passes auto = false: its scores
 * follow the reference protocol, whole images, unless the user tiles.
 */
export function tileOptionsFor(
  info: ArtifactMeta,
  width: number,
  height: number,
  tile: number | undefined,
  overlap: number | undefined,
  auto: boolean,
): { tile?: number; overlap?: number } {
  if (tile !== undefined) return { tile, overlap };
  const fixed = fixedSizeOf(info);
  if (!auto || defaultTileOf(info) !== undefined || fixed.h !== null || fixed.w !== null) return {};
  const arena = arenaOf(info);
  if (!arena || arena(width * height) <= AUTO_ARENA_CAP) return {};
  let side = MAX_AUTO_TILE;
  while (side > 8 && arena(side * side) > AUTO_ARENA_CAP) side -= 8;
  return { tile: side, overlap: AUTO_OVERLAP };
}

/** The arena bytes an artifact reports for a number of input pixels, where its meta says. */
function arenaOf(info: ArtifactMeta): ((pixels: number) => number) | undefined {
  const a = info.arena_bytes as { fixed?: unknown; per_pixel?: unknown } | undefined;
  if (typeof a?.fixed !== "number" || typeof a.per_pixel !== "number") return undefined;
  const { fixed, per_pixel } = a as { fixed: number; per_pixel: number };
  return (pixels) => fixed + per_pixel * pixels;
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

/** Work shorter than this shows no progress bar: it would only flicker. */
export const PROGRESS_DELAY_MS = 1000;

/**
 * A progress bar on stderr driven by onProgress(done, total) calls, drawn only on a terminal and
 * only once the work has taken longer than PROGRESS_DELAY_MS.
 */
export function progressBar(
  unit: string,
  stream: NodeJS.WritableStream = process.stderr,
): { update: (done: number, total: number) => void; stop: () => void } {
  const bar = new SingleBar({
    format: `{bar} {value}/{total} ${unit}`,
    stream,
    hideCursor: true,
    clearOnComplete: true,
  });
  const begun = Date.now();
  let started = false;
  return {
    update(done, total) {
      if (!started && Date.now() - begun < PROGRESS_DELAY_MS) return;
      if (!started) bar.start(total, done);
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
