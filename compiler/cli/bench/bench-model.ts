import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { extname } from "node:path";
import { wasmFeatures } from "../../../runtime/core/best.js";
import { loadEngine } from "../../../runtime/core/load.js";
import { fixedSizeOf } from "../../../runtime/core/meta.js";
import { isWasm } from "../../../runtime/core/wasm-artifact.js";
import { evaluateInSandbox } from "../../../runtime/node/sandbox.js";
import { transpileTypeScript } from "../../../runtime/node/typescript.js";
import { QmcError } from "../../diagnostics.js";
import type { Model } from "../../ir/graph.js";
import { compilerVersion } from "../../version.js";
import type { Contender } from "./contender.js";
import { describeMachine, type Machine } from "./machine.js";
import { type OrtFlavour, ortContender, ortVersion } from "./onnxruntime.js";
import { peerModel } from "./peer-model.js";
import { samplePhoto, samplePhotoFile } from "./photo.js";
import { qmcContender } from "./qmc-contender.js";
import { pairRatios, type Ratio } from "./ratios.js";
import { fullWindow, type Timing, type TimingWindow, timeRounds } from "./timing.js";

export interface BenchRequest {
  /** An .onnx model, compiled in memory for each target, or a compiled artifact (.wasm, .js, .ts). */
  readonly model: string;
  /** Targets an .onnx model is compiled to (default: the SIMD wasm targets this host runs). */
  readonly targets?: readonly string[];
  /** The input size (default: the model's fixed size, else 64x64). */
  readonly size?: { readonly h: number; readonly w: number };
  /** onnxruntime flavours run beside qmc. */
  readonly vs?: readonly OrtFlavour[];
  /** The model onnxruntime runs (default: the standard-ops export beside the model). */
  readonly vsModel?: string;
  /** 1 (default): every contender on one thread; more: qmc's worker pool and onnxruntime-node's threads. */
  readonly threads?: number;
  /** The tiles' side when threads > 1 (default: enough tiles for every thread). */
  readonly tile?: number;
  readonly window?: TimingWindow;
  /** The command line the report records. */
  readonly command: string;
  readonly progress?: {
    readonly preparing?: (done: number, total: number) => void;
    readonly rounds?: (done: number, expected: number) => void;
  };
}

export interface ContenderResult extends Timing {
  readonly name: string;
  readonly label: string;
  readonly kind: Contender["kind"];
  readonly artifactBytes?: number;
  readonly memoryBytes?: number;
}

/** What `qmc bench --json` prints and `npm run bench` records. */
export interface BenchReport {
  readonly date: string;
  readonly command: string;
  readonly machine: Machine;
  readonly versions: { readonly qmc: string } & Partial<Record<OrtFlavour, string>>;
  readonly model: {
    readonly file: string;
    readonly sha256: string;
    readonly kind: "onnx" | "artifact";
    /** An .onnx model's kernels and packed weight bytes. */
    readonly kernels?: number;
    readonly weightBytes?: number;
  };
  /** The model onnxruntime ran, where it ran. */
  readonly peer?: { readonly file: string; readonly sha256: string; readonly source: string };
  readonly input: { readonly h: number; readonly w: number; readonly channels: number; readonly photo: string };
  readonly threads: number;
  readonly tile?: number;
  readonly window: Required<TimingWindow>;
  /** In the order they were given: qmc targets, then onnxruntime flavours. */
  readonly contenders: readonly ContenderResult[];
  /** Every pair once: a's median time over b's. */
  readonly ratios: readonly Ratio[];
}

const DEFAULT_SIZE = 64;

/** Reads a file named by a command-line argument; an error names the argument and what it expected. */
function readArgument(argument: string, path: string, expected: string): Uint8Array {
  try {
    if (statSync(path).isDirectory()) throw new QmcError(`${argument} ${path}: is a folder, expected ${expected}`);
    return readFileSync(path);
  } catch (e) {
    if (e instanceof QmcError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : `cannot read (${code ?? String(e)})`;
    throw new QmcError(`${argument} ${path}: ${why}; expected ${expected}`);
  }
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Whether this engine runs a target's artifacts (Node 20 runs relaxed SIMD only behind flags). */
function runsHere(target: string): boolean {
  const f = wasmFeatures();
  if (target === "wasm-relaxed") return f.relaxedSimd;
  if (target === "wasm-simd") return f.simd;
  if (target === "wasm") return f.wasm;
  return true;
}

const RELAXED_HINT = "Node 20 runs it with node --experimental-wasm-relaxed-simd --no-liftoff";

/** The wasm SIMD targets this host runs, else plain wasm, else js. */
export function defaultTargets(): string[] {
  const simd = ["wasm-simd", "wasm-relaxed"].filter(runsHere);
  if (simd.length > 0) return simd;
  return runsHere("wasm") ? ["wasm"] : ["js"];
}

/** The input size: --size where the model allows it, else its fixed size, else 64 per free axis. */
function inputSize(
  model: string,
  asked: BenchRequest["size"],
  fixed: { readonly h: number | null; readonly w: number | null },
): { h: number; w: number } {
  if (asked && ((fixed.h !== null && fixed.h !== asked.h) || (fixed.w !== null && fixed.w !== asked.w))) {
    throw new QmcError(
      `--size ${asked.h}x${asked.w}: ${model} takes ${fixed.h ?? "any"}x${fixed.w ?? "any"} inputs only (its input size is fixed)`,
    );
  }
  return { h: asked?.h ?? fixed.h ?? DEFAULT_SIZE, w: asked?.w ?? fixed.w ?? DEFAULT_SIZE };
}

/** The artifacts to time, by target, with what the model says about its input. */
interface Artifacts {
  readonly byTarget: ReadonlyArray<{ readonly target: string; readonly artifact: Uint8Array | string }>;
  readonly fixed: { readonly h: number | null; readonly w: number | null };
  readonly channels: number;
  readonly decoded?: Model;
  readonly kernels?: number;
  readonly weightBytes?: number;
}

/** The --targets names, checked; an unknown one is named with the list of known ones. */
async function listed(targets: readonly string[]): Promise<string[]> {
  const { targetList } = await import("../target-support.js");
  try {
    return targetList(targets.join(","));
  } catch (e) {
    if (e instanceof QmcError) throw new QmcError(`--targets: ${e.message}`);
    throw e;
  }
}

/** An .onnx model compiled in memory for each target; the compiler is loaded only here. */
async function compileForTargets(
  file: string,
  targets: readonly string[] | undefined,
  onEmitted: (done: number, targets: number) => void,
): Promise<Artifacts> {
  const { emitTargets } = await import("../target-support.js");
  const { planModelFile } = await import("../load-plan.js");
  const { constantBytes } = await import("../../plan/kernel-plan.js");
  const names = targets ? await listed(targets) : defaultTargets();
  for (const t of names) {
    if (!runsHere(t)) {
      throw new QmcError(
        `--targets: ${t} does not run on this host${t === "wasm-relaxed" ? ` (${RELAXED_HINT})` : ""}`,
      );
    }
  }
  onEmitted(0, names.length);
  const { model, plan } = planModelFile(file);
  const byTarget: { target: string; artifact: Uint8Array | string }[] = [];
  const refused: string[] = [];
  for (const result of await emitTargets(plan, names)) {
    if ("message" in result) refused.push(result.message);
    else byTarget.push(result);
    onEmitted(byTarget.length, names.length);
  }
  if (refused.length > 0) throw new QmcError(`${file}: ${refused.join("\n")}`);
  return {
    byTarget,
    fixed: plan.model.inputSize,
    channels: plan.model.inChannels,
    decoded: model,
    kernels: plan.kernels.length,
    weightBytes: constantBytes(plan),
  };
}

/** An artifact compiled before, under the target its meta names. */
async function compiledArtifact(file: string, bytes: Uint8Array): Promise<Artifacts> {
  const engine = await loadEngine(bytes, { transpile: transpileTypeScript, evaluate: evaluateInSandbox });
  const target = engine.meta.target ?? extname(file).slice(1);
  if (!runsHere(target)) {
    throw new QmcError(
      `MODEL ${file}: a ${target} artifact, which does not run on this host${target === "wasm-relaxed" ? ` (${RELAXED_HINT})` : ""}`,
    );
  }
  // js and ts artifacts are script text.
  const artifact = isWasm(bytes) ? bytes : new TextDecoder().decode(bytes);
  return { byTarget: [{ target, artifact }], fixed: fixedSizeOf(engine.meta), channels: engine.meta.channels };
}

/**
 * Times the model under each target, and onnxruntime on its standard-ops twin, side by side in this
 * process on the same photo crop: a warm-up round, then rounds that run every contender once in
 * rotated order; medians with min and max, and every pair's ratio.
 */
export async function benchModel(request: BenchRequest): Promise<BenchReport> {
  const threads = request.threads ?? 1;
  const vs = request.vs ?? [];
  const window = fullWindow(request.window);
  const machine = describeMachine();
  const date = new Date().toISOString();
  const isOnnx = extname(request.model).toLowerCase() === ".onnx";
  const bytes = readArgument("MODEL", request.model, "an .onnx model or a qmc artifact (.wasm, .js, .ts)");
  if (!isOnnx && request.targets) {
    throw new QmcError(
      `--targets compiles an .onnx model; ${request.model} is an artifact already compiled for its target`,
    );
  }
  const vsBytes = request.vsModel
    ? readArgument("--vs-model", request.vsModel, "a standard-ops .onnx model")
    : undefined;
  const preparing = (done: number, targets: number) => request.progress?.preparing?.(done, targets + vs.length);
  const artifacts = isOnnx
    ? await compileForTargets(request.model, request.targets, preparing)
    : await compiledArtifact(request.model, bytes);
  const peer = vs.length > 0 ? peerModel(request.model, request.vsModel, artifacts.decoded) : undefined;
  const { h, w } = inputSize(request.model, request.size, artifacts.fixed);
  const input = samplePhoto(artifacts.channels, h, w);
  const tile = request.tile ?? Math.ceil(Math.max(h, w) / Math.ceil(Math.sqrt(threads)));
  const contenders: Contender[] = [];
  try {
    for (const { target, artifact } of artifacts.byTarget) {
      contenders.push(await qmcContender(target, artifact, input, { threads, tile }));
    }
    if (peer) {
      for (const flavour of vs) {
        contenders.push(await ortContender(flavour, peer.file, input, threads));
        preparing(contenders.length, artifacts.byTarget.length);
      }
    }
    const timings = await timeRounds(
      contenders.map((c) => c.run),
      window,
      request.progress?.rounds,
    );
    const results = contenders.map((c, i) => ({
      name: c.name,
      label: c.label,
      kind: c.kind,
      ...timings[i],
      ...c.facts(),
    }));
    const ortVersions = await Promise.all(vs.map(async (flavour) => [flavour, await ortVersion(flavour)]));
    return {
      date,
      command: request.command,
      machine,
      versions: { qmc: compilerVersion(), ...Object.fromEntries(ortVersions) },
      model: {
        file: request.model,
        sha256: sha256(bytes),
        kind: isOnnx ? "onnx" : "artifact",
        ...(artifacts.kernels !== undefined ? { kernels: artifacts.kernels, weightBytes: artifacts.weightBytes } : {}),
      },
      ...(peer
        ? {
            peer: {
              file: peer.file,
              sha256: sha256(vsBytes ?? readFileSync(peer.file)),
              source: peer.source,
            },
          }
        : {}),
      input: { h, w, channels: artifacts.channels, photo: samplePhotoFile(artifacts.channels) },
      threads,
      ...(threads > 1 ? { tile } : {}),
      window,
      contenders: results,
      ratios: pairRatios(results),
    };
  } finally {
    for (const c of contenders) await c.close();
  }
}
