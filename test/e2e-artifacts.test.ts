import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { targetNamed } from "../compiler/cli/compile-model.js";
import { planModelFile } from "../compiler/cli/load-plan.js";
import { Interpreter } from "../compiler/interp/interpreter.js";
import { readModelFile } from "../compiler/onnx/decode.js";
import { planReport } from "../compiler/plan/report.js";
import { compareTensors } from "../compiler/verify/compare.js";
import { goldenSetDirs, readGoldenSet } from "../compiler/verify/golden.js";
import { toByte } from "../runtime/core/image.js";
import { hashInDuktape, hashInNode, runScript } from "./support/artifact-run.js";

const models = join(import.meta.dirname, "..", "samples", "models");
const sampleDirs = existsSync(models)
  ? readdirSync(models).filter((d) => existsSync(join(models, d, "model.onnx")) && !d.startsWith("mambair-light"))
  : [];
const hasDuk = spawnSync("duk", ["-e", "print(1)"]).status === 0;

/** PSNR of two [0,1] images (clamped as a viewer would) with peak 1. */
function psnr(a: Float32Array, b: Float32Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.min(1, Math.max(0, a[i])) - Math.min(1, Math.max(0, b[i]));
    se += d * d;
  }
  return se === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10(a.length / se);
}

function identicalBytes(a: Float32Array, b: Float32Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (toByte(a[i]) === toByte(b[i])) same++;
  return same / a.length;
}

/**
 * Every sample model, compiled for every script target, against the reference interpreter on its
 * golden inputs (whole images, no tiling): PSNR >= 45 dB and >= 99.9% of 8-bit pixels identical.
 */
it("the sample models are present", () => {
  expect(sampleDirs.length).toBeGreaterThan(0);
});

describe.each(sampleDirs)("%s", (dir) => {
  const file = join(models, dir, "model.onnx");
  const { plan } = planModelFile(file);
  const reference = new Interpreter(readModelFile(file), file);
  const sets = goldenSetDirs(join(models, dir)).map(readGoldenSet);
  const js = targetNamed("js").emit(plan) as string;
  const cases = sets.map((s, k) => [k, s] as const);

  it.each(cases)("the reference reproduces PyTorch on test_data_set_%i", (_, set) => {
    const actual = reference.run(set.inputs)[0];
    // Float noise of a deep network near zero exceeds ONNX's 1e-7 absolute default; 1e-5 does not.
    expect(compareTensors(actual, set.outputs[0], { rtol: 1e-3, atol: 1e-5 }).ok).toBe(true);
    expect(psnr(actual.values as Float32Array, set.outputs[0].values as Float32Array)).toBeGreaterThanOrEqual(80);
  });

  it.each(cases)("js artifact agrees with the reference on test_data_set_%i", (_, set) => {
    const x = set.inputs[0];
    const [, , h, w] = x.shape;
    const expected = reference.run([x])[0].values as Float32Array;
    const actual = runScript(js, x.values as Float32Array, h, w);
    expect(actual.length).toBe(expected.length);
    expect(psnr(actual, expected)).toBeGreaterThanOrEqual(45);
    expect(identicalBytes(actual, expected)).toBeGreaterThanOrEqual(0.999);
  });

  it("plans an arena within 1.25x of the largest simultaneously live bytes", () => {
    for (const size of [32, 64, 96]) {
      const r = planReport(plan, size, size);
      expect(r.arenaBytes).toBeGreaterThanOrEqual(r.liveBytesBound);
      expect(r.arenaBytes).toBeLessThanOrEqual(1.25 * r.liveBytesBound);
    }
  });

  it.runIf(hasDuk)("the ES5 artifact gives byte-identical output under Duktape and Node", () => {
    const node = hashInNode(js, 9, 7);
    expect(node).toMatch(/^qmc-output-hash \d+ \d+$/);
    expect(hashInDuktape(js, 9, 7)).toBe(node);
  });
});
