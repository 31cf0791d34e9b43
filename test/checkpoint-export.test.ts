import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { goldenSetDirs } from "../compiler/verify/golden.js";
import { qmc, STACK_LINE } from "./support/cli.js";

/**
 * Models exported from checkpoints in the official MambaIR / Q-MambaIR layouts (BasicSR wrapping,
 * (1,)-shaped scalars; `python -m exporter.export --ckpt FILE --out DIR`, written by
 * exporter/tests/test_checkpoint.py): each compiles for js and wasm-simd, and each target's artifact
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

  const runs = targets.flatMap(([t]) => goldens.map((g) => [t, basename(g)] as const));
  it.each(runs)("qmc verify --target %s on %s", { timeout: 120_000 }, (target, golden) => {
    const r = qmc("verify", model, "--golden", join(root, name, golden), "--target", target);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^PASS: 1\/1 outputs/m);
    expect(r.status).toBe(0);
  });
});
