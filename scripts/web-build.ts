// Builds the static web page into a folder (default out/web): the page (web/), the browser-safe
// runtime as plain ES modules (dist/runtime/core, from `npm run build`), each sample model compiled
// for wasm-simd and wasm (the fallback), the sample images, and manifest.json listing them.
// Usage: tsx scripts/web-build.ts [OUT] [--models a,b]
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(import.meta.dirname, "..");

/** The tiny sample zoo: one model per task, W4A4 (the quantized form the page is for). */
export const WEB_MODELS = ["qmambair-tiny-sr2-w4a4", "qmambair-tiny-dn25-w4a4", "qmambair-tiny-car10-w4a4"];

/** One model the page offers: its artifacts' URLs relative to the page, and what it does. */
export interface WebModel {
  readonly id: string;
  readonly task: string;
  readonly scale: number;
  readonly channels: number;
  readonly simd: string;
  readonly mvp: string;
}

function copyFolder(from: string, to: string, keep: (name: string) => boolean): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from).filter(keep)) copyFileSync(join(from, name), join(to, name));
}

interface WasmModules {
  Module: { new (bytes: Uint8Array): object; customSections(module: object, name: string): ArrayBuffer[] };
}

/** The artifact's qmc.meta custom section (UTF-8 JSON). Node's WebAssembly has no types without the DOM lib. */
function metaOf(wasm: Uint8Array): { task: string; scale: number; channels: number } {
  const { Module } = (globalThis as unknown as { WebAssembly: WasmModules }).WebAssembly;
  const [section] = Module.customSections(new Module(wasm), "qmc.meta");
  return JSON.parse(new TextDecoder().decode(section));
}

/** Compiles one sample model with the built CLI into OUT/models/ID/{simd,mvp}.wasm. */
function compileModel(id: string, out: string): WebModel {
  const dir = join(out, "models", id);
  const cli = join(ROOT, "dist", "compiler", "cli", "main.js");
  const model = join(ROOT, "samples", "models", id, "model.onnx");
  const r = spawnSync(process.execPath, [cli, "compile", model, "-t", "wasm-simd,wasm", "-o", dir], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`qmc compile ${model} failed (exit ${r.status}): ${r.stderr.trim()}`);
  renameSync(join(dir, "model.wasm-simd.wasm"), join(dir, "simd.wasm"));
  renameSync(join(dir, "model.wasm.wasm"), join(dir, "mvp.wasm"));
  rmSync(join(dir, "model.plan.json"));
  const { task, scale, channels } = metaOf(readFileSync(join(dir, "simd.wasm")));
  return { id, task, scale, channels, simd: `models/${id}/simd.wasm`, mvp: `models/${id}/mvp.wasm` };
}

export interface BuildOptions {
  readonly out?: string;
  readonly models?: readonly string[];
  readonly log?: (line: string) => void;
}

/** Writes the page into `out` (replacing what was there) and returns the folder. */
export function buildWeb({ out = join(ROOT, "out", "web"), models = WEB_MODELS, log }: BuildOptions = {}): string {
  const runtime = join(ROOT, "dist", "runtime", "core");
  if (!existsSync(join(runtime, "index.js"))) {
    throw new Error(`${runtime}/index.js is missing: run \`npm run build\` first`);
  }
  rmSync(out, { recursive: true, force: true });
  copyFolder(join(ROOT, "web"), out, (name) => /\.(html|css|js)$/.test(name));
  copyFolder(runtime, join(out, "runtime"), (name) => name.endsWith(".js"));
  copyFolder(join(ROOT, "samples", "images"), join(out, "samples"), (name) => name.endsWith(".png"));
  const entries = models.map((id) => {
    log?.(`compiling ${id} for wasm-simd and wasm`);
    return compileModel(id, out);
  });
  const samples = readdirSync(join(out, "samples"))
    .sort()
    .map((name) => ({ name: basename(name, ".png"), url: `samples/${name}` }));
  writeFileSync(join(out, "manifest.json"), `${JSON.stringify({ models: entries, samples }, null, 2)}\n`);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--models");
  const models = at >= 0 ? args.splice(at, 2)[1].split(",") : WEB_MODELS;
  const out = buildWeb({ out: args[0] && resolve(args[0]), models, log: (line) => console.log(line) });
  console.log(`built ${out}`);
}
