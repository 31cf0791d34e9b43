import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { wasmFeatures } from "../runtime/core/best.js";
import { qmc, STACK_LINE } from "./support/cli.js";
import { DT, floatTensor, modelBytes, node, valueInfo } from "./support/onnx-builder.js";

const dir = mkdtempSync(join(tmpdir(), "qmc-bench-"));
/** conv 3->3 and relu: standard ONNX, so onnxruntime runs the model itself. */
const smallModel = (shape: (number | string)[]) =>
  modelBytes({
    inputs: [valueInfo("x", DT.FLOAT, shape)],
    outputs: [valueInfo("y", DT.FLOAT, shape)],
    initializers: [
      floatTensor(
        "w",
        [3, 3, 3, 3],
        Array.from({ length: 81 }, (_, i) => ((i * 7) % 11) / 11 - 0.5),
      ),
    ],
    nodes: [
      node({
        op: "Conv",
        inputs: ["x", "w"],
        outputs: ["c"],
        attrs: [
          { name: "kernel_shape", type: 7, ints: [3, 3] },
          { name: "pads", type: 7, ints: [1, 1, 1, 1] },
        ],
      }),
      node({ op: "Relu", inputs: ["c"], outputs: ["y"] }),
    ],
  });
const model = join(dir, "small.onnx");
writeFileSync(model, smallModel([1, 3, "H", "W"]));

interface Timed {
  name: string;
  kind: string;
  runs: number;
  runsMs: number[];
  medianMs: number;
  minMs: number;
  maxMs: number;
}

function benchJson(...args: string[]) {
  const r = qmc("bench", ...args, "--json");
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

/** The median of the runs, between their min and max, and every pair's ratio its medians' quotient. */
function expectConsistent(report: { contenders: Timed[]; ratios: { a: string; b: string; ratio: number }[] }) {
  for (const c of report.contenders) {
    const sorted = [...c.runsMs].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    expect(c.runsMs).toHaveLength(c.runs);
    expect(c.minMs).toBe(sorted[0]);
    expect(c.maxMs).toBe(sorted[sorted.length - 1]);
    expect(c.medianMs).toBe(sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2);
    expect(c.minMs).toBeLessThanOrEqual(c.medianMs);
    expect(c.medianMs).toBeLessThanOrEqual(c.maxMs);
  }
  const byName = new Map(report.contenders.map((c) => [c.name, c]));
  const n = report.contenders.length;
  expect(report.ratios).toHaveLength((n * (n - 1)) / 2);
  for (const p of report.ratios) {
    expect(p.ratio).toBe((byName.get(p.a)?.medianMs ?? Number.NaN) / (byName.get(p.b)?.medianMs ?? Number.NaN));
  }
}

describe("qmc bench", () => {
  it("times targets and onnxruntime side by side and reports runs, medians and ratios as JSON", () => {
    const report = benchJson(model, "--targets", "wasm-simd,js", "--vs", "ort-node", "--size", "16x12", "--runs", "3");
    expect(report.contenders.map((c: Timed) => [c.name, c.kind, c.runs])).toEqual([
      ["wasm-simd", "qmc", 3],
      ["js", "qmc", 3],
      ["onnxruntime-node", "onnxruntime", 3],
    ]);
    expectConsistent(report);
    expect(report.ratios.map((p: { a: string; b: string }) => `${p.a}/${p.b}`)).toEqual([
      "wasm-simd/js",
      "wasm-simd/onnxruntime-node",
      "js/onnxruntime-node",
    ]);
    expect(report.contenders[0].artifactBytes).toBeGreaterThan(0);
    expect(report.command).toBe(`qmc bench ${model} --targets wasm-simd,js --vs ort-node --size 16x12 --runs 3 --json`);
    expect(report.model).toMatchObject({ file: model, kind: "onnx", kernels: expect.any(Number) });
    expect(report.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.peer).toMatchObject({ file: model, source: "the model itself (standard ONNX)" });
    expect(report.input).toEqual({ h: 16, w: 12, channels: 3, photo: join("samples", "images", "flower-96x96.png") });
    expect(report.threads).toBe(1);
    expect(report.versions).toMatchObject({ qmc: expect.any(String), "onnxruntime-node": expect.any(String) });
    expect(report.machine).toMatchObject({ cores: expect.any(Number), node: process.version });
    expect(report.window).toMatchObject({ minRounds: 3, maxRounds: 3 });
  });

  it("benches a compiled artifact, on a worker pool with --threads", () => {
    const out = join(dir, "out");
    expect(qmc("compile", model, "--target", "js", "-o", out).status).toBe(0);
    const report = benchJson(join(out, "small.js"), "--threads", "2", "--runs", "2");
    expect(report.model.kind).toBe("artifact");
    expect(report.contenders.map((c: Timed) => c.name)).toEqual(["js"]);
    expect(report.input).toMatchObject({ h: 64, w: 64 });
    expect(report.threads).toBe(2);
    expect(report.tile).toBe(32);
    expectConsistent(report);
    const text = qmc("bench", join(out, "small.js"), "--runs", "1");
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^model: {4}.*small\.js \(sha256 [0-9a-f]{16}, a compiled artifact\)$/m);
    expect(text.stdout).toMatch(/^contender +median ms +min ms +max ms +runs$/m);
    expect(text.stdout).toMatch(/^js \(qmc, 1 thread\) +[\d.]+ +[\d.]+ +[\d.]+ +1$/m);
  });

  /** Exit code 2 and one line naming the argument, no stack, nothing on stdout. */
  function expectUserError(args: string[], message: RegExp) {
    const r = qmc("bench", ...args);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.stdout).toBe("");
    expect(r.status).toBe(2);
  }

  it("names the argument when one is wrong", () => {
    expectUserError(
      [join(dir, "nope.onnx")],
      /MODEL .*nope\.onnx: no such file; expected an \.onnx model or a qmc artifact \(\.wasm, \.js, \.ts\)/,
    );
    expectUserError([model, "--size", "64"], /option '--size <HxW>' argument '64' is invalid. '64' is not a size HxW/);
    expectUserError(
      [model, "--targets", "wasm-simd,wasm-fast"],
      /--targets: unknown target 'wasm-fast' \(available: js, ts, wasm, wasm-simd, wasm-relaxed\)/,
    );
    expectUserError([model, "--vs", "ort-gpu"], /--vs: unknown runtime 'ort-gpu' \(expected ort-node, ort-web/);
    expectUserError(
      [model, "--vs", "ort-node", "--vs-model", join(dir, "missing.std.onnx")],
      /--vs-model .*missing\.std\.onnx: no such file; expected a standard-ops \.onnx model/,
    );
    expectUserError([model, "--runs", "0"], /option '--runs <n>' argument '0' is invalid/);
    expectUserError([model, "--tile", "32"], /--tile needs --threads above 1/);
    expectUserError([model, "--vs-model", model], /--vs-model needs --vs/);
    expectUserError([join(dir, "out", "small.js"), "--targets", "js"], /--targets compiles an \.onnx model/);
    expectUserError(
      [join(dir, "out", "small.js"), "--vs", "ort-web"],
      /--vs: .*small\.js is a compiled artifact and there is no standard-ops export small\.std\.onnx beside it; name the model onnxruntime should run with --vs-model FILE/,
    );
    const fixed = join(dir, "fixed.onnx");
    writeFileSync(fixed, smallModel([1, 3, 8, 8]));
    expectUserError(
      [fixed, "--targets", "js", "--size", "16x16"],
      /--size 16x16: .*fixed\.onnx takes 8x8 inputs only \(its input size is fixed\)/,
    );
    if (!wasmFeatures().relaxedSimd) {
      expectUserError(
        [model, "--targets", "wasm-relaxed"],
        /--targets: wasm-relaxed does not run on this host \(Node 20 runs it with node --experimental-wasm-relaxed-simd --no-liftoff\)/,
      );
    }
  });

  it("explains itself in --help", () => {
    const r = qmc("bench", "--help");
    expect(r.status).toBe(0);
    for (const option of [
      "--size <HxW>",
      "--targets",
      "--vs <runtimes>",
      "--vs-model <file>",
      "--threads <n>",
      "--runs <n>",
      "--json",
    ]) {
      expect(r.stdout).toContain(option);
    }
  });
});
