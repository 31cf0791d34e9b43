import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeModel } from "../compiler/onnx/decode.js";
import { configureModelLimits } from "../compiler/onnx/limits.js";
import { onnx } from "../compiler/onnx/onnx-proto.js";
import { runPipeline } from "../compiler/pipeline.js";
import { buildPlan } from "../compiler/plan/build-plan.js";
import { pinInputSize } from "../compiler/plan/input-size.js";
import { loadModel } from "../runtime/core/load.js";
import { emitJs } from "../targets/js/emit.js";
import { compileCase, FUZZ_LIMITS } from "./fuzz/pipeline.js";
import { MODEL_REGRESSIONS, PNG_REGRESSIONS } from "./fuzz/regressions.js";
import {
  type CaseResult,
  describeFailure,
  externalDataFolder,
  type FuzzContext,
  formatTally,
  newTally,
  record,
  restorePng,
  runCase,
} from "./fuzz/run.js";
import { loadModelSeeds } from "./fuzz/seeds.js";

/**
 * Hostile input, fuzzed: mutated models through decode, inspect and compile, mutated PNGs through
 * `run`'s decode and restore. Every case must end in success or a refusal of one clear line (what
 * the CLI prints before exit 2); never another exception, a case over 10 s, or a runaway allocation.
 * QMC_FUZZ_CASES=N runs N cases (default 2000), QMC_FUZZ_SEED=S another seed (default 15),
 * QMC_FUZZ_CASE=I replays case I alone.
 */

const CASES = Number(process.env.QMC_FUZZ_CASES ?? 2000);
const SEED = Number(process.env.QMC_FUZZ_SEED ?? 15);
const ONLY = process.env.QMC_FUZZ_CASE === undefined ? undefined : Number(process.env.QMC_FUZZ_CASE);

const models = loadModelSeeds();
const baseDir = externalDataFolder();

async function fuzzContext(): Promise<FuzzContext> {
  const restorerSeed = models.find((m) => m.name === "srvgg-x4-dyn");
  if (!restorerSeed) throw new Error("fuzz: the srvgg-x4-dyn sample is missing");
  const file = "srvgg-x4-dyn.onnx";
  const pinned = pinInputSize(decodeModel(restorerSeed.bytes, { file }), file);
  const plan = buildPlan(runPipeline(pinned.model, file), file, { name: "srvgg", sha256: "fuzz" }, pinned.axes);
  const restorer = await loadModel(emitJs(plan, { compilerVersion: "fuzz", target: "js" }));
  return { seed: SEED, models, restorer, baseDir };
}

describe("fuzz: hostile models and images", () => {
  // Process-wide, as the CLI's flags set them: the interpreter and constant folding read them too.
  beforeAll(() => configureModelLimits(FUZZ_LIMITS));
  afterAll(() => configureModelLimits({}));

  it.each(models.map((m) => [m.name, m] as const))("seed %s compiles unmutated", (_, seed) => {
    expect(compileCase(seed.bytes, seed, baseDir)).toEqual({ status: "ok" });
  });

  it(`${ONLY === undefined ? CASES : 1} mutated cases (seed ${SEED}) end in success or one clear line`, async () => {
    const ctx = await fuzzContext();
    const tally = newTally();
    const started = performance.now();
    const indices = ONLY === undefined ? Array.from({ length: CASES }, (_, i) => i) : [ONLY];
    for (const index of indices) {
      const r: CaseResult = await runCase(ctx, index);
      record(tally, r);
      if (ONLY !== undefined)
        console.log(`case ${index}: ${r.kind} of ${r.seed}: ${r.what}\n  -> ${JSON.stringify(r.outcome)}`);
    }
    console.log(formatTally(tally, SEED, indices.length, (performance.now() - started) / 1000));
    expect(tally.failures.map((f) => describeFailure(SEED, f))).toEqual([]);
  }, 900_000);
});

describe("fuzz findings, replayed as fixed mutations", () => {
  beforeAll(() => configureModelLimits(FUZZ_LIMITS));
  afterAll(() => configureModelLimits({}));

  const available = new Set(models.map((m) => m.name));
  for (const r of MODEL_REGRESSIONS) {
    // A conformance seed is absent where ../shared/conformance is.
    it.runIf(available.has(r.seed))(`${r.seed}: ${r.name}`, () => {
      const seed = models.find((m) => m.name === r.seed);
      if (!seed) throw new Error(`fuzz: no seed ${r.seed}`);
      const model = onnx.ModelProto.decode(seed.bytes);
      r.edit(model);
      const outcome = compileCase(onnx.ModelProto.encode(model).finish(), seed, baseDir);
      expect(outcome).toEqual({ status: "refused", message: expect.stringMatching(r.refusal) });
    });
  }

  for (const r of PNG_REGRESSIONS) {
    it(`PNG: ${r.name}`, async () => {
      const { restorer } = await fuzzContext();
      expect(await restorePng(r.bytes(), restorer)).toEqual({
        status: "refused",
        message: expect.stringMatching(r.refusal),
      });
    });
  }
});
