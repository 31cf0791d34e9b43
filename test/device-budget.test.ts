import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "acorn";
import { getQuickJS } from "quickjs-emscripten";
import { beforeAll, describe, expect, it } from "vitest";
import { deploy, parseByteCount } from "../compiler/cli/commands/compile.js";
import { planModelFile } from "../compiler/cli/load-plan.js";
import { QmcError } from "../compiler/diagnostics.js";
import type { KernelPlan } from "../compiler/plan/kernel-plan.js";
import { loadModel } from "../runtime/core/index.js";
import { restoreRaw } from "../samples/hosts/quickjs/host.mjs";
import { emitJs } from "../targets/js/emit.js";
import { BAD_WEIGHTS, weightsFile } from "../targets/js/external-weights.js";
import { ramBytes, scriptFootprint } from "../targets/js/footprint.js";
import { ABI_ERRORS } from "../targets/js/module.js";
import type { DeployedPlan, Deployment } from "../targets/shared/meta.js";
import { emitWasm } from "../targets/wasm/emit.js";
import { rng } from "./support/random.js";
import { chainPlan } from "./targets/chain-plan.js";
import { WASM } from "./wasm/support.js";

/*
 * --memory-budget, meta.tile, RAM/ROM figures and --weights external on the tiny W4A4 SR sample.
 * Restores stay small (16x16 to 24x24) so QuickJS runs take a few seconds.
 */

const ROOT = join(import.meta.dirname, "..");
const MODEL = join(ROOT, "samples", "models", "qmambair-tiny-sr2-w4a4", "model.onnx");
const BUDGET = 1024 * 1024;
const OPTIONS = { compilerVersion: "test" };

interface Artifact {
  meta: { tile: number | null; memory_budget: number | null; weights?: { bytes: number; fnv1a: number } };
  restore(
    pixels: Uint8Array,
    width: number,
    height: number,
    channels: number,
    opts?: { tile?: number },
  ): { data: Uint8Array };
  qmc_prepare(h: number, w: number): number;
  qmc_load_weights(read: (offset: number, length: number) => Uint8Array): number;
}

function load(code: string): Artifact {
  const module = { exports: {} as Artifact };
  new Function("module", code)(module);
  return module.exports;
}

function pixels(width: number, height: number, seed: number): Uint8Array {
  const next = rng(seed);
  return Uint8Array.from({ length: width * height * 3 }, () => Math.floor(next() * 256));
}

function qmcCli(...args: string[]) {
  const main = join(ROOT, "compiler", "cli", "main.ts");
  const r = spawnSync(process.execPath, ["--import", "tsx", main, ...args], { encoding: "utf8", cwd: ROOT });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe("--memory-budget", () => {
  let plan: KernelPlan;
  let budgeted: DeployedPlan;
  let tile: number;
  beforeAll(() => {
    plan = planModelFile(MODEL).plan;
    budgeted = deploy(plan, { memoryBudget: BUDGET, weights: "inline" });
    tile = budgeted.deployment?.tile as number;
  });

  it("reads byte counts with binary suffixes and refuses others", () => {
    expect(parseByteCount("262144")).toBe(262144);
    expect(parseByteCount("256KiB")).toBe(262144);
    expect(parseByteCount("2MiB")).toBe(2 * 1024 * 1024);
    expect(parseByteCount("1GiB")).toBe(1024 ** 3);
    for (const bad of ["2MB", "0", "-1", "1.5MiB", "KiB", ""]) expect(() => parseByteCount(bad)).toThrow(/byte count/);
  });

  it("picks the largest square tile whose RAM fits, and records it in meta", () => {
    const footprint = scriptFootprint(budgeted, OPTIONS);
    expect(ramBytes(footprint, tile, tile)).toBeLessThanOrEqual(BUDGET);
    expect(ramBytes(footprint, tile + 1, tile + 1)).toBeGreaterThan(BUDGET);
    const art = load(emitJs(budgeted, OPTIONS));
    expect(art.meta.tile).toBe(tile);
    expect(art.meta.memory_budget).toBe(BUDGET);
    expect(load(emitJs(plan, OPTIONS)).meta.tile).toBeNull();
  });

  it("the ES5 restore and the runtime tile with meta.tile when the caller names no tile", async () => {
    const code = emitJs(budgeted, OPTIONS);
    const art = load(code);
    const image = pixels(24, 24, 7);
    const byDefault = art.restore(image, 24, 24, 3).data;
    expect(same(byDefault, art.restore(image, 24, 24, 3, { tile: tile }).data)).toBe(true);
    // Tiling is part of the result (DlsQuant statistics are per tile): tile 0 runs the whole image.
    expect(same(byDefault, art.restore(image, 24, 24, 3, { tile: 0 }).data)).toBe(false);
    const model = await loadModel(code);
    const restored = await model.restore({ data: image, width: 24, height: 24, channels: 3 });
    expect(restored.tiling.tile).toBe(tile);
    expect(restored.tiling.xs.length).toBeGreaterThan(1);
  });

  it("records the tile in the wasm artifact's qmc.meta too", async () => {
    // A small plan keeps binaryen quick; the meta comes from the same deployment record.
    const deployment = { tile: 7, memoryBudget: 123456, weights: "inline" as const };
    const deployed: DeployedPlan = { ...chainPlan(), deployment };
    const wasm = await emitWasm(deployed, { ...OPTIONS, isa: "mvp" });
    const [section] = WASM.Module.customSections(new WASM.Module(wasm), "qmc.meta");
    expect(JSON.parse(new TextDecoder().decode(section))).toMatchObject({ tile: 7, memory_budget: 123456 });
  });

  it("refuses a budget no tile fits, naming what the artifact needs", () => {
    expect(() => deploy(plan, { memoryBudget: 64 * 1024, weights: "inline" })).toThrow(QmcError);
    expect(() => deploy(plan, { memoryBudget: 64 * 1024, weights: "inline" })).toThrow(
      /--memory-budget 65,536 bytes: no tile fits: the ES5 artifact needs [\d,]+ bytes of RAM at 1x1/,
    );
  });

  it("runs under QuickJS with a memory limit equal to the budget, and fails cleanly well below it", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "qmc-budget-")), "model.js");
    writeFileSync(file, emitJs(budgeted, OPTIONS));
    const image = pixels(16, 16, 3);
    const expected = load(readFileSync(file, "utf8")).restore(image, 16, 16, 3).data;
    const run = await restoreRaw({ model: file, width: 16, height: 16, channels: 3, limit: BUDGET }, image);
    expect(same(run.data, expected)).toBe(true);
    // This build of QuickJS cannot sum its allocations (no malloc_usable_size), so its limit bounds
    // each one; the heap it reports is held to the budget here, less the engine's own heap and the
    // image buffers restore() allocates (input, float32 sums and counts, output) and 16 KiB of small objects.
    const QuickJS = await getQuickJS();
    const runtime = QuickJS.newRuntime();
    const context = runtime.newContext();
    const handle = runtime.computeMemoryUsage();
    const usage = context.dump(handle);
    handle.dispose();
    context.dispose();
    runtime.dispose();
    const outPixels = 32 * 32;
    const images = 16 * 16 * 3 + outPixels * (4 * 3 + 4 + 3) + 16 * 1024;
    expect(run.peakHeapBytes - usage.memory_used_size - images).toBeLessThanOrEqual(BUDGET);
    await expect(
      restoreRaw({ model: file, width: 16, height: 16, channels: 3, limit: BUDGET / 8 }, image),
    ).rejects.toThrow(/QuickJS: .*(out of memory|qmc_prepare)/);
  });
});

describe("--weights external", () => {
  it("reads the weights through one host function and restores as the inline artifact does", async () => {
    const { plan } = planModelFile(MODEL);
    const deployed = deploy(plan, { memoryBudget: BUDGET, weights: "external" });
    // Without the base64 text a larger tile fits; the inline twin runs the same one.
    const twin = { ...deployed, deployment: { ...(deployed.deployment as Deployment), weights: "inline" as const } };
    const inline = load(emitJs(twin, OPTIONS));
    const script = emitJs(deployed, OPTIONS);
    const bin = weightsFile(plan);
    expect(() => parse(script, { ecmaVersion: 5, sourceType: "script" })).not.toThrow();
    // A decoder is emitted only for the encodings the plan's constants use.
    for (const [decoder, kind] of [
      ["float32FromBytes", "float32"],
      ["int32FromBytes", "int32"],
      ["packedFromBytes", "packed"],
    ] as const) {
      expect(script.includes(`function ${decoder}(`)).toBe(plan.constants.some((c) => c.encoding.kind === kind));
    }
    const art = load(script);
    expect(art.meta.weights?.bytes).toBe(bin.length);
    expect(art.qmc_prepare(16, 16)).toBe(ABI_ERRORS.noWeights);
    expect(() => art.restore(pixels(16, 16, 1), 16, 16, 3)).toThrow(/returned -4 \(call qmc_load_weights first\)/);
    const corrupt = bin.slice();
    corrupt[corrupt.length - 1] ^= 1;
    expect(art.qmc_load_weights((o, n) => corrupt.subarray(o, o + n))).toBe(BAD_WEIGHTS);
    expect(art.qmc_load_weights((o, n) => bin.subarray(o, o + n - 1))).toBe(BAD_WEIGHTS);
    expect(art.qmc_prepare(16, 16)).toBe(ABI_ERRORS.noWeights);
    expect(art.qmc_load_weights((o, n) => bin.subarray(o, o + n))).toBe(0);
    const image = pixels(16, 16, 5);
    const expected = inline.restore(image, 16, 16, 3).data;
    expect(same(art.restore(image, 16, 16, 3).data, expected)).toBe(true);
    // The base64 text is gone from the script: that is the RAM saved.
    expect(scriptFootprint(deployed, OPTIONS).weightTextBytes).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), "qmc-external-"));
    writeFileSync(join(dir, "model.js"), script);
    writeFileSync(join(dir, "model.bin"), bin);
    const quick = await restoreRaw(
      { model: join(dir, "model.js"), weights: join(dir, "model.bin"), width: 16, height: 16, channels: 3 },
      image,
    );
    expect(same(quick.data, expected)).toBe(true);
  });
});

describe("qmc compile and inspect: budgets, weights, RAM and ROM", () => {
  it("compile writes the script, the .bin and the RAM/ROM report", () => {
    const out = join(mkdtempSync(join(tmpdir(), "qmc-cli-")), "out");
    const r = qmcCli("compile", MODEL, "-o", out, "--memory-budget", "1MiB", "--weights", "external");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["model.bin", "model.js", "model.plan.json"]);
    expect(r.stdout).toMatch(
      /device memory of the ES5 artifact at (\d+)x\1 tiles \(meta.tile, fitted to a budget of 1,048,576 bytes\)/,
    );
    expect(r.stdout).toMatch(
      /RAM [\d,]+ bytes, the larger of\n +running [\d,]+: compiled code .* \+ arena [\d,]+ \+ scratch [\d,]+\n +loading [\d,]+: compiled code .* \+ decoding [\d,]+\n/,
    );
    // The weights file holds the float 3x3 convs' Winograd weights (conv-winograd: 16 values per 9),
    // and no DlsQuant weights of the scans' u, B and C (fuse-scan-input makes them the scans' params).
    expect(r.stdout).toMatch(/ROM [\d,]+ bytes: script text [\d,]+ \+ weights file 98,220/);
    const saved = /external weights: loading needs ([\d,]+) bytes less than with inline weights/.exec(r.stdout);
    expect(Number(saved?.[1].replaceAll(",", ""))).toBeGreaterThan(98220);
    const plan = JSON.parse(readFileSync(join(out, "model.plan.json"), "utf8"));
    expect(plan.deviceMemory).toMatchObject({ budget: 1048576, weightsFileBytes: 98220 });
  });

  it("a budget no tile fits exits 2 with one line and writes nothing; external weights are js only", () => {
    const out = join(mkdtempSync(join(tmpdir(), "qmc-cli-")), "out");
    const r = qmcCli("compile", MODEL, "-o", out, "--memory-budget", "64KiB");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^qmc: --memory-budget 65,536 bytes: no tile fits: .*--weights external/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    const wasm = qmcCli("compile", MODEL, "-o", out, "-t", "js,wasm", "--weights", "external");
    expect(wasm.status).toBe(2);
    expect(wasm.stderr).toMatch(/--weights external: only the js target .* asked for wasm/);
  });

  it("inspect --plan shows RAM and ROM, at the budget's tile when one is given", () => {
    const r = qmcCli("inspect", MODEL, "--plan", "--memory-budget", "1MiB");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/device memory of the ES5 artifact at (\d+)x\1 tiles/);
    expect(r.stdout).toMatch(/ROM [\d,]+ bytes: script text [\d,]+\n/);
    expect(qmcCli("inspect", MODEL, "--memory-budget", "1MiB").status).toBe(2);
  });
});
