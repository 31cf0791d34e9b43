import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TARGETS, targetNamed } from "../compiler/cli/compile-model.js";
import { planModelFile } from "../compiler/cli/load-plan.js";
import { Tensor } from "../compiler/ir/tensor.js";
import { compareTensors, MODEL_TOLERANCE } from "../compiler/verify/compare.js";
import { goldenSetDirs, readGoldenSet } from "../compiler/verify/golden.js";
import { loadEngine } from "../runtime/core/index.js";
import { transpileTypeScript } from "../runtime/node/typescript.js";
import { qmc, STACK_LINE } from "./support/cli.js";
import { hostHasRelaxedSimd } from "./wasm/support.js";

/**
 * Models exported from checkpoints in the official MambaIR / Q-MambaIR layouts (BasicSR wrapping,
 * (1,)-shaped scalars; `python -m exporter.export --ckpt FILE --out DIR`, written by
 * exporter/tests/test_checkpoint.py): each compiles with the CLI, and every target's artifact
 * reproduces the loaded PyTorch model's outputs (the exporter's goldens) within `qmc verify`'s model
 * tolerance. One of them carries a weight quantizer whose official `signed` flag is 0.
 */
const root = join(import.meta.dirname, "..", "samples", "checkpoints");
const samples = existsSync(root) ? readdirSync(root).filter((d) => existsSync(join(root, d, "model.onnx"))) : [];
const targets = [
  ["js", "model.js"],
  ["wasm-simd", "model.wasm"],
] as const;
const out = mkdtempSync(join(tmpdir(), "qmc-ckpt-"));

it("the checkpoint samples are present, quantized and float, one with an unsigned weight quantizer", () => {
  expect(samples.length).toBeGreaterThanOrEqual(3);
  const infos = samples.map((d) => JSON.parse(readFileSync(join(root, d, "export.json"), "utf8")));
  expect(infos.some((i) => i.config.bits === null)).toBe(true);
  expect(infos.some((i) => i.config.bits === 4)).toBe(true);
  expect(
    infos.some((i) => i.config.bits === 2 && i.quantizers.unsigned.some((n: string) => n.endsWith("_weight_quant"))),
  ).toBe(true);
});

describe.each(samples)("%s", (name) => {
  const model = join(root, name, "model.onnx");
  const goldens = goldenSetDirs(join(root, name));

  it("compiles for js and wasm-simd", { timeout: 120_000 }, () => {
    const dir = join(out, name);
    const r = qmc("compile", model, "--target", targets.map(([t]) => t).join(","), "--output", dir);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.status).toBe(0);
    for (const [, file] of targets) expect(existsSync(join(dir, file))).toBe(true);
  });

  it("qmc verify --target wasm-simd passes on its first golden", { timeout: 120_000 }, () => {
    const r = qmc("verify", model, "--golden", goldens[0], "--target", "wasm-simd");
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^PASS: 1\/1 outputs/m);
    expect(r.status).toBe(0);
  });

  // Every target on every golden, in process (as `qmc verify --target T` runs them), compiled once.
  const { plan } = planModelFile(model);
  const sets = goldens.map(readGoldenSet);
  it.each([...TARGETS.keys()])("%s reproduces the loaded PyTorch model on every golden", async (target) => {
    const artifact = await targetNamed(target).emit(plan);
    if (target === "wasm-relaxed" && !hostHasRelaxedSimd()) return;
    const engine = await loadEngine(artifact, { transpile: transpileTypeScript });
    for (const s of sets) {
      const x = s.inputs[0];
      const [, , h, w] = x.shape;
      engine.prepare(h, w);
      engine.input().set(x.values);
      engine.run();
      const { scale, channels } = engine.meta;
      const y = new Tensor("float32", [1, channels, h * scale, w * scale], Float32Array.from(engine.output()));
      expect(compareTensors(y, s.outputs[0], MODEL_TOLERANCE).reason ?? "ok").toBe("ok");
    }
  });
});
