import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QmcRuntimeError } from "../../runtime/core/errors.js";
import type { Model } from "../../runtime/core/model.js";
import { decodePng } from "../../runtime/node/png.js";
import { EXTERNAL_FILE, EXTERNAL_FILE_BYTES, MODEL_MUTATIONS, mutateModel } from "./model-mutations.js";
import { compileCase, judgeError, type Outcome, unclearMessage } from "./pipeline.js";
import { mutatePng, PNG_MUTATIONS, PNG_SEEDS, pngSeedName } from "./png-mutations.js";
import { caseDraw, type Draw } from "./random.js";
import type { ModelSeed } from "./seeds.js";

/** A case slower than this fails: the bound on a hang. */
export const CASE_TIME_LIMIT_MS = 10_000;
/** The PNG path's pixel limit (the CLI's --max-pixels): a mutated header cannot ask for more. */
export const FUZZ_MAX_PIXELS = 1 << 20;
/** One case in five reads a mutated PNG; the rest mutate a model. */
const PNG_SHARE = 0.2;

export interface CaseResult {
  readonly index: number;
  /** The mutation kind, e.g. "dims" or "png-header". */
  readonly kind: string;
  readonly seed: string;
  readonly what: string;
  readonly outcome: Outcome;
  readonly ms: number;
}

export interface FuzzContext {
  readonly seed: number;
  readonly models: readonly ModelSeed[];
  /** The model mutated PNGs are restored with (a js artifact of a small dynamic-size network). */
  readonly restorer: Model;
  /** Where external data resolves: a folder holding EXTERNAL_FILE. */
  readonly baseDir: string;
}

/** A folder with a small file for external-data mutations to point at (and beside it, nothing). */
export function externalDataFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), "qmc-fuzz-"));
  writeFileSync(
    join(dir, EXTERNAL_FILE),
    new Uint8Array(EXTERNAL_FILE_BYTES).map((_, i) => (i * 37) & 255),
  );
  return dir;
}

/** Case `index` of the run with `ctx.seed`: drawn from its own random stream, so it replays alone. */
export async function runCase(ctx: FuzzContext, index: number): Promise<CaseResult> {
  const d = caseDraw(ctx.seed, index);
  const started = performance.now();
  const partial = d.chance(PNG_SHARE) ? await pngCase(ctx, d) : modelCase(ctx, d);
  const ms = performance.now() - started;
  const outcome: Outcome =
    ms > CASE_TIME_LIMIT_MS && partial.outcome.status !== "failed"
      ? { status: "failed", problem: `took ${Math.round(ms)} ms, over the ${CASE_TIME_LIMIT_MS} ms bound` }
      : partial.outcome;
  return { index, ...partial, outcome, ms };
}

function modelCase(ctx: FuzzContext, d: Draw): Omit<CaseResult, "index" | "ms"> {
  const kind = d.pick(MODEL_MUTATIONS);
  const seed = pickWeighted(ctx.models, d);
  const mutated = mutateModel(kind, seed.bytes, d);
  return { kind, seed: seed.name, what: mutated.what, outcome: compileCase(mutated.bytes, seed, ctx.baseDir) };
}

async function pngCase(ctx: FuzzContext, d: Draw): Promise<Omit<CaseResult, "index" | "ms">> {
  const kind = d.pick(PNG_MUTATIONS);
  const spec = d.pick(PNG_SEEDS);
  const mutated = mutatePng(kind, spec, d);
  return { kind, seed: pngSeedName(spec), what: mutated.what, outcome: await restorePng(mutated.bytes, ctx.restorer) };
}

/**
 * What `qmc run MODEL IN.png` does with the image: decode it (header checked against the pixel
 * limit first), then restore it. pngjs's own refusals are plain Errors, which the CLI prints as one
 * line after the file's name; a TypeError or RangeError from inside it is a bug all the same.
 */
export async function restorePng(bytes: Uint8Array, model: Model): Promise<Outcome> {
  let image: ReturnType<typeof decodePng>["image"];
  try {
    image = decodePng(bytes, { maxPixels: FUZZ_MAX_PIXELS }).image;
  } catch (e) {
    if (e instanceof Error && e.constructor === Error) {
      const problem = unclearMessage(e.message);
      return problem
        ? { status: "failed", problem: `${problem}: ${e.message}` }
        : { status: "refused", message: e.message };
    }
    return judgeError(e, QmcRuntimeError);
  }
  try {
    await model.restore(image);
    return { status: "ok" };
  } catch (e) {
    return judgeError(e, QmcRuntimeError);
  }
}

function pickWeighted(seeds: readonly ModelSeed[], d: Draw): ModelSeed {
  const total = seeds.reduce((s, x) => s + x.weight, 0);
  let r = d.next() * total;
  for (const s of seeds) {
    r -= s.weight;
    if (r < 0) return s;
  }
  return seeds[seeds.length - 1];
}

export interface Tally {
  readonly byKind: Map<string, { ok: number; refused: number; failed: number }>;
  readonly failures: CaseResult[];
  peakRss: number;
  slowest?: CaseResult;
}

export function newTally(): Tally {
  return { byKind: new Map(), failures: [], peakRss: process.memoryUsage.rss() };
}

export function record(t: Tally, r: CaseResult): void {
  const row = t.byKind.get(r.kind) ?? { ok: 0, refused: 0, failed: 0 };
  row[r.outcome.status]++;
  t.byKind.set(r.kind, row);
  if (r.outcome.status === "failed") t.failures.push(r);
  if (!t.slowest || r.ms > t.slowest.ms) t.slowest = r;
  t.peakRss = Math.max(t.peakRss, process.memoryUsage.rss());
}

export function formatTally(t: Tally, seed: number, cases: number, seconds: number): string {
  const lines = [
    `fuzz: seed ${seed}, ${cases} cases in ${seconds.toFixed(1)} s, peak RSS ${Math.round(t.peakRss / 2 ** 20)} MiB`,
  ];
  const kinds = [...t.byKind.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  for (const [kind, row] of kinds) {
    lines.push(
      `  ${kind.padEnd(14)} ok ${String(row.ok).padStart(5)}  refused ${String(row.refused).padStart(5)}  failed ${row.failed}`,
    );
  }
  if (t.slowest)
    lines.push(
      `  slowest: case ${t.slowest.index} (${t.slowest.kind}, ${t.slowest.seed}) ${Math.round(t.slowest.ms)} ms`,
    );
  return lines.join("\n");
}

/** One failure as a line a developer can replay: QMC_FUZZ_SEED=s QMC_FUZZ_CASE=i. */
export function describeFailure(seed: number, r: CaseResult): string {
  const problem = r.outcome.status === "failed" ? r.outcome.problem : "";
  return `QMC_FUZZ_SEED=${seed} QMC_FUZZ_CASE=${r.index}: ${r.kind} of ${r.seed} (${r.what.slice(0, 300)}): ${problem.slice(0, 500)}`;
}
