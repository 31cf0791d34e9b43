import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { targetNamed } from "../compiler/cli/compile-model.js";
import { planModelFile } from "../compiler/cli/load-plan.js";
import { Interpreter } from "../compiler/interp/interpreter.js";
import { Tensor } from "../compiler/ir/tensor.js";
import { readModelFile } from "../compiler/onnx/decode.js";
import { planReport } from "../compiler/plan/report.js";
import { compareTensors } from "../compiler/verify/compare.js";
import { goldenSetDirs, readGoldenSet } from "../compiler/verify/golden.js";
import { toByte } from "../runtime/core/image.js";
import { transpileTypeScript } from "../runtime/node/typescript.js";
import { hashInDuktape, hashInNode, runScript } from "./support/artifact-run.js";

const models = join(import.meta.dirname, "..", "samples", "models");
// The Q-MambaIR samples; the conv families and their QDQ twins have suites of their own
// (families.test.ts, qdq.test.ts).
const sampleDirs = existsSync(models)
  ? readdirSync(models).filter(
      (d) =>
        d.startsWith("qmambair-") &&
        existsSync(join(models, d, "model.onnx")) &&
        goldenSetDirs(join(models, d)).length > 0,
    )
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
  const { plan, compiled } = planModelFile(file);
  const compiledInterpreter = new Interpreter(compiled, file);
  const quantized = plan.model.bits.length > 0;
  const interpreter = new Interpreter(readModelFile(file), file);
  // The benchmark model (MambaIR's light-SR size) is checked on its smallest golden only: time.
  const all = goldenSetDirs(join(models, dir)).map(readGoldenSet);
  const sets = dir.includes("light") ? [all.sort((a, b) => a.inputs[0].size - b.inputs[0].size)[0]] : all;
  const cases = sets.map((s, k) => [k, s] as const);
  const js = targetNamed("js").emit(plan) as string;
  const referenceOutputs = new Map<number, Float32Array>();
  const reference = (k: number) => {
    if (!referenceOutputs.has(k)) referenceOutputs.set(k, interpreter.run(sets[k].inputs)[0].values as Float32Array);
    return referenceOutputs.get(k) as Float32Array;
  };
  // The js artifact's output per golden set, run once for the tests that read it.
  const jsOutputs = new Map<number, Float32Array>();
  const jsOutput = (k: number) => {
    if (!jsOutputs.has(k)) {
      const x = sets[k].inputs[0];
      jsOutputs.set(k, runScript(js, x.values as Float32Array, x.shape[2], x.shape[3]));
    }
    return jsOutputs.get(k) as Float32Array;
  };

  it.each(cases)("the reference reproduces PyTorch on test_data_set_%i", (k, set) => {
    const actual = reference(k);
    const expected = set.outputs[0].values as Float32Array;
    if (quantized) {
      // Whole-tensor DlsQuant statistics summed in another order can flip a code at a rounding
      // boundary (the exporter's note); agreement is then judged as an image.
      expect(psnr(actual, expected)).toBeGreaterThanOrEqual(45);
    } else {
      // Float noise of a deep network near zero exceeds ONNX's 1e-7 absolute default; 1e-5 does not.
      const t = new Tensor("float32", set.outputs[0].shape, actual);
      expect(compareTensors(t, set.outputs[0], { rtol: 1e-3, atol: 1e-5 }).ok).toBe(true);
    }
  });

  it.each(cases)("js artifact agrees with the reference on test_data_set_%i", (k, set) => {
    const x = set.inputs[0];
    const actual = jsOutput(k);
    // Against the compiled graph (integer kernels, fused scan) the artifact is exact.
    const lowered = compiledInterpreter.run([x])[0].values as Float32Array;
    expect(actual.length).toBe(lowered.length);
    expect(identicalBytes(actual, lowered)).toBeGreaterThanOrEqual(0.999);
    // Against the model as written, integer re-association can flip a DlsQuant code at a rounding
    // boundary in quantized models, so the criterion there is the image's PSNR.
    expect(psnr(actual, reference(k))).toBeGreaterThanOrEqual(45);
  });

  it.runIf(!dir.includes("light"))("ts artifact gives the js artifact's output byte for byte", async () => {
    const ts = targetNamed("ts").emit(plan) as string;
    const x = sets[0].inputs[0];
    const [, , h, w] = x.shape;
    const fromJs = jsOutput(0);
    const fromTs = runScript(await transpileTypeScript(ts), x.values as Float32Array, h, w);
    expect(Buffer.from(fromTs.buffer).equals(Buffer.from(fromJs.buffer))).toBe(true);
  });

  it("plans an arena within 1.25x of the largest simultaneously live bytes", () => {
    for (const size of [32, 64, 96]) {
      const r = planReport(plan, size, size);
      expect(r.arenaBytes).toBeGreaterThanOrEqual(r.liveBytesBound);
      expect(r.arenaBytes).toBeLessThanOrEqual(1.25 * r.liveBytesBound);
    }
  });

  it.runIf(hasDuk)("the ES5 artifact gives byte-identical output under Duktape and Node", () => {
    // At a small size, or at the size a fixed-size model was compiled for.
    const h = plan.model.inputSize.h ?? 9;
    const w = plan.model.inputSize.w ?? 7;
    const node = hashInNode(js, h, w);
    expect(node).toMatch(/^qmc-output-hash \d+ \d+$/);
    expect(hashInDuktape(js, h, w)).toBe(node);
  });
});
