import { randomBytes } from "node:crypto";
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { QmcRuntimeError } from "../core/errors.js";
import type { Image } from "../core/image.js";
import { type LoadOptions, loadModel } from "../core/load.js";
import type { Model } from "../core/model.js";
import { type DecodedPng, decodePng, encodePng, type PngLimits } from "./png.js";
import { evaluateInSandbox } from "./sandbox.js";
import { transpileTypeScript } from "./typescript.js";

/** Reads a file, naming it and the reason when it cannot (missing, a folder, no permission). */
export function readFileBytes(path: string, expected: string): Uint8Array {
  try {
    if (statSync(path).isDirectory()) throw new QmcRuntimeError(`${path}: is a folder, expected ${expected}`);
    return readFileSync(path);
  } catch (e) {
    if (e instanceof QmcRuntimeError) throw e;
    throw new QmcRuntimeError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

function checkPngName(path: string): void {
  if (extname(path).toLowerCase() !== ".png") {
    throw new QmcRuntimeError(`${path}: only PNG images are supported (a .png file)`);
  }
}

export function readImageFile(path: string, limits: PngLimits = {}): DecodedPng {
  checkPngName(path);
  const bytes = readFileBytes(path, "a PNG image");
  try {
    return decodePng(bytes, limits);
  } catch (e) {
    throw new QmcRuntimeError(`${path}: not a readable PNG image (${(e as Error).message})`);
  }
}

export function writeImageFile(path: string, image: Image<Uint8Array | Uint8ClampedArray>): void {
  checkPngName(path);
  writeFileAtomic(path, encodePng(image));
}

/** What a failed write's error code means to the user. */
const WRITE_FAILURES: Readonly<Record<string, string>> = {
  EISDIR: "it is a folder",
  ENOTDIR: "a folder on its path is a file",
  ENOENT: "no such file or folder",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
};

/** A failed file-system call as `(CODE): meaning`, for the one line the CLI prints. */
export function describeWriteError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (!code) return `(${String(e)})`;
  return WRITE_FAILURES[code] ? `(${code}): ${WRITE_FAILURES[code]}` : `(${code})`;
}

/**
 * Writes a file whole or not at all: into a temporary file beside it, renamed over it once written,
 * so a failed write leaves neither a partial file nor a damaged previous one.
 */
export function writeFileAtomic(path: string, contents: string | Uint8Array): void {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    writeFileSync(temporary, contents, { flag: "wx" });
    renameSync(temporary, path);
  } catch (e) {
    // EEXIST comes from the exclusive create alone: that file is not ours to remove.
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") rmSync(temporary, { force: true });
    throw new QmcRuntimeError(`${path}: cannot write ${describeWriteError(e)}`);
  }
}

/**
 * Loads an artifact file of any kind; `ts` artifacts are transpiled with the typescript package, and
 * js/ts artifacts run in a sandbox with a time limit (runtime/node/sandbox.ts) unless `evaluate` says otherwise.
 */
export async function loadModelFile(path: string, options: LoadOptions = {}): Promise<Model> {
  const bytes = readFileBytes(path, "a qmc artifact (.wasm, .js or .ts)");
  try {
    return await loadModel(bytes, { transpile: transpileTypeScript, evaluate: evaluateInSandbox, ...options });
  } catch (e) {
    if (e instanceof QmcRuntimeError) throw new QmcRuntimeError(`${path}: ${e.message}`);
    throw e;
  }
}
