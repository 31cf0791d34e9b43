import { readFileSync, statSync, writeFileSync } from "node:fs";
import { extname } from "node:path";
import { QmcRuntimeError } from "../core/errors.js";
import type { Image } from "../core/image.js";
import { type LoadOptions, loadModel } from "../core/load.js";
import type { Model } from "../core/model.js";
import { type DecodedPng, decodePng, encodePng } from "./png.js";
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

export function readImageFile(path: string): DecodedPng {
  checkPngName(path);
  const bytes = readFileBytes(path, "a PNG image");
  try {
    return decodePng(bytes);
  } catch (e) {
    throw new QmcRuntimeError(`${path}: not a readable PNG image (${(e as Error).message})`);
  }
}

export function writeImageFile(path: string, image: Image<Uint8Array | Uint8ClampedArray>): void {
  checkPngName(path);
  const bytes = encodePng(image);
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    throw new QmcRuntimeError(`${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** Loads an artifact file of any kind; `ts` artifacts are transpiled with the typescript package. */
export async function loadModelFile(path: string, options: LoadOptions = {}): Promise<Model> {
  const bytes = readFileBytes(path, "a qmc artifact (.wasm, .js or .ts)");
  try {
    return await loadModel(bytes, { transpile: transpileTypeScript, ...options });
  } catch (e) {
    if (e instanceof QmcRuntimeError) throw new QmcRuntimeError(`${path}: ${e.message}`);
    throw e;
  }
}
