import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { targetNamed } from "../compiler/cli/compile-model.js";
import { planModelFile } from "../compiler/cli/load-plan.js";
import type { Emit } from "../compiler/diff/kernel-run.js";
import { noiseImage, recordValues } from "../compiler/diff/record.js";
import { Tensor } from "../compiler/ir/tensor.js";
import { readModelFile } from "../compiler/onnx/decode.js";
import { MODEL_TOLERANCE } from "../compiler/verify/compare.js";
import { compareKernels, compareWholeArtifact } from "../compiler/verify/kernel-check.js";
import { formatKernels, formatNodes, formatWholeArtifact } from "../compiler/verify/report.js";
import { locate } from "../compiler/verify/value-errors.js";
import { qmc, STACK_LINE } from "./support/cli.js";
import { DT, floatTensor, modelBytes, node, tensorBytes, valueInfo } from "./support/onnx-builder.js";
import { writeSmallConvModel } from "./support/small-conv-model.js";

const dir = mkdtempSync(join(tmpdir(), "qmc-verify-per-node-"));

/** conv 3->4, relu, conv 4->3, + x, sigmoid; the per-node rows show its nodes' names ("/conv1/Conv"...). */
const model = writeSmallConvModel(dir, 11);

/** The reference interpreter's value of every value: stands in for onnxruntime's intermediates. */
function referenceValues(file: string, input: Tensor): Map<string, Tensor> {
  return recordValues(readModelFile(file), input);
}

const H = 6;
const W = 5;
const input = noiseImage(3, H, W, 5);
const reference = referenceValues(model, input);

type Change = (name: string, values: Float32Array) => void;

/**
 * A golden folder: the input, the model output, and an intermediate per value (files numbered, so
 * that only the TensorProto's name can say which value each holds), `change` applied to their copies.
 */
function goldenFolder(name: string, values: ReadonlyMap<string, Tensor>, output: string, change?: Change): string {
  const golden = join(dir, name);
  mkdirSync(join(golden, "intermediates"), { recursive: true });
  const proto = (n: string, t: Tensor, data = t.values) => tensorBytes(floatTensor(n, [...t.shape], [...data]));
  writeFileSync(join(golden, "input_0.pb"), proto("x", input));
  writeFileSync(join(golden, "output_0.pb"), proto(output, values.get(output) as Tensor));
  [...values].forEach(([n, t], i) => {
    const data = Float32Array.from(t.values);
    change?.(n, data);
    writeFileSync(join(golden, "intermediates", `${i}.pb`), proto(n, t, data));
  });
  return golden;
}

// r is [1, 4, 6, 5]: (n=0, c=2, h=3, w=1) is element 2*30 + 3*5 + 1.
const PERTURBED = 76;
const perturbed = goldenFolder("perturbed", reference, "y", (n, d) => {
  if (n === "r") d[PERTURBED] += 0.5;
});
const correct = goldenFolder("correct", reference, "y");

describe("qmc verify --per-node, reference interpreter vs intermediates", () => {
  it("names the node whose intermediate differs as the first divergence, with its statistics", () => {
    const r = qmc("verify", model, "--golden", perturbed, "--per-node");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(1);
    const lines = r.stdout.split("\n");
    const table = lines.slice(
      lines.findIndex((l) => l.startsWith("node ")) + 1,
      lines.findIndex((l) => l.startsWith("first")),
    );
    expect(table.map((l) => l.split(/\s+/)[0])).toEqual(["/conv1/Conv", "relu1", "conv2", "skip", "sigmoid"]);
    expect(r.stdout).toMatch(/^relu1 +Relu +r +5\.000e-1 +\S+ +1\/120 +FAIL$/m);
    expect(r.stdout).toMatch(/^conv2 +Conv +c2 +0\.000e\+0 +0\.000e\+0 +0\/90 +PASS$/m);
    expect(r.stdout).toContain(
      "first divergence: node 'relu1' (Relu), output 'r': max abs error 5.000e-1 at index 76 (n=0, c=2, h=3, w=1), " +
        "mean abs error 4.167e-3, 1 of 120 elements over tolerance",
    );
    expect(r.stdout).toMatch(/^PASS {2}y {2}max abs error 0\.000e\+0/m);
    expect(r.stdout).toMatch(/^FAIL: 1\/1 outputs, 4\/5 node outputs within rtol 0\.001, atol 0\.0001$/m);
  });

  it("--json gives the rows and the first divergence as data", () => {
    const r = qmc("verify", model, "--golden", perturbed, "--per-node", "--json");
    expect(r.status).toBe(1);
    const data = JSON.parse(r.stdout);
    expect(data).toMatchObject({ ok: false, rtol: 1e-3, atol: 1e-4, outputs: [{ output: "y", ok: true }] });
    expect(data.kernels).toBeUndefined();
    expect(data.nodes.uncovered).toBe(0);
    expect(data.nodes.rows).toMatchObject([
      { node: "/conv1/Conv", op: "Conv", output: "/conv1/Conv_output_0", ok: true, mismatches: 0, total: 120 },
      { node: "relu1", op: "Relu", output: "r", ok: false, mismatches: 1, total: 120 },
      { node: "conv2", ok: true },
      { node: "skip", ok: true },
      { node: "sigmoid", ok: true },
    ]);
    expect(data.nodes.firstDivergence).toMatchObject({
      node: "relu1",
      op: "Relu",
      output: "r",
      at: { index: PERTURBED, coords: [0, 2, 3, 1] },
      mismatches: 1,
      total: 120,
    });
    expect(data.nodes.firstDivergence.maxAbs).toBeCloseTo(0.5, 6);
    expect(data.nodes.firstDivergence.maxRel).toBeGreaterThan(0);
    expect(data.nodes.firstDivergence.meanAbs).toBeCloseTo(0.5 / 120, 7);
  });

  it("by default passes a 1e-5 difference on an element near zero, which ONNX's atol 1e-7 fails", () => {
    const zero = (reference.get("r") as Tensor).values.indexOf(0);
    expect(zero).toBeGreaterThanOrEqual(0);
    const golden = goldenFolder("near-zero", reference, "y", (n, d) => {
      if (n === "r") d[zero] = 1e-5;
    });
    const r = qmc("verify", model, "--golden", golden, "--per-node");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("no node output diverges beyond tolerance (5 compared)");
    const strict = qmc("verify", model, "--golden", golden, "--per-node", "--atol", "1e-7");
    expect(strict.status).toBe(1);
    expect(strict.stdout).toContain("first divergence: node 'relu1' (Relu)");
  });

  it("skips outputs of constants and shapes, and counts float outputs without an intermediate", () => {
    const f = join(dir, "skips.onnx");
    writeFileSync(
      f,
      modelBytes({
        inputs: [valueInfo("x", DT.FLOAT, [1, 3, H, W])],
        outputs: [valueInfo("y", DT.FLOAT, [1, 3, H, W])],
        initializers: [floatTensor("k", [1], [0.5])],
        nodes: [
          node({ op: "Relu", name: "relu", inputs: ["x"], outputs: ["r"] }),
          node({ op: "Shape", name: "shape", inputs: ["r"], outputs: ["shp"] }),
          node({
            op: "Cast",
            name: "cast",
            inputs: ["shp"],
            outputs: ["shp_f"],
            attrs: [{ name: "to", type: 2, i: 1 }],
          }),
          node({ op: "Mul", name: "square", inputs: ["k", "k"], outputs: ["kk"] }),
          node({ op: "Add", name: "add", inputs: ["r", "kk"], outputs: ["a"] }),
          node({ op: "Neg", name: "neg", inputs: ["a"], outputs: ["y"] }),
        ],
      }),
    );
    const values = referenceValues(f, input);
    values.delete("a");
    // Wrong values for the skipped outputs: they must not be compared.
    const golden = goldenFolder("skips", values, "y", (n, d) => {
      if (n === "shp_f" || n === "kk") d.fill(99);
    });
    const r = qmc("verify", f, "--golden", golden, "--per-node", "--json");
    expect(r.status).toBe(0);
    const data = JSON.parse(r.stdout);
    expect(data.nodes.rows.map((x: { node: string }) => x.node)).toEqual(["relu", "neg"]);
    expect(data.nodes.uncovered).toBe(1);
    expect(data.nodes.firstDivergence).toBeNull();
    expect(qmc("verify", f, "--golden", golden, "--per-node").stdout).toContain(
      "no node output diverges beyond tolerance (2 compared; 1 float output(s) have no intermediate)",
    );
  });
});

describe("qmc verify --per-node --target", () => {
  it("runs every kernel of a correct model alone on the target: all PASS, exit 0", () => {
    const r = qmc("verify", model, "--golden", correct, "--per-node", "--target", "js");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^per kernel: js, each kernel alone/m);
    expect(r.stdout).toMatch(/^#0 k0_conv\S* +Conv +\/conv1\/Conv_output_0 .* PASS$/m);
    expect(r.stdout).toContain("no kernel output diverges beyond tolerance (5 compared)");
    expect(r.stdout).toContain("no node output diverges beyond tolerance (5 compared)");
    expect(r.stdout).toMatch(/^PASS: 1\/1 outputs, 5\/5 node outputs, 5\/5 js kernel outputs within/m);
  });

  it("a golden output the artifact does not give, with every kernel right, is put down to the compiled graph", () => {
    const golden = goldenFolder("wrong-output", reference, "y");
    const y = reference.get("y") as Tensor;
    writeFileSync(
      join(golden, "output_0.pb"),
      tensorBytes(
        floatTensor(
          "y",
          [...y.shape],
          [...y.values].map((v) => v + 0.01),
        ),
      ),
    );
    const r = qmc("verify", model, "--golden", golden, "--per-node", "--target", "js");
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      /^whole artifact vs the reference interpreter on the compiled graph: PASS, max abs error \S+/m,
    );
    expect(r.stdout).toContain(
      `the js artifact computes the compiled graph: the outputs differ from ${golden} because the compiled graph does`,
    );
    expect(r.stdout).toMatch(/^FAIL: 0\/1 outputs, 5\/5 node outputs, 5\/5 js kernel outputs within/m);
  });

  it("--json gives each kernel's row with its source nodes", () => {
    const r = qmc("verify", model, "--golden", correct, "--per-node", "--target", "js", "--json");
    expect(r.status).toBe(0);
    const data = JSON.parse(r.stdout);
    expect(data.ok).toBe(true);
    expect(data.kernels.target).toBe("js");
    expect(data.kernels.firstDivergence).toBeNull();
    const rows = data.kernels.rows as { kind: string; sources: string[]; ok: boolean; maxAbs: number }[];
    expect(rows.map((k) => k.kind)).toEqual(["Conv", "Relu", "Conv", "Add", "Sigmoid"]);
    expect(rows[1].sources).toEqual(["relu1"]);
    for (const k of rows) {
      expect(k.ok).toBe(true);
      expect(k.maxAbs).toBeLessThan(1e-5);
    }
    expect(data.kernels.wholeArtifact).toMatchObject({ ok: true, mismatches: 0, total: 90 });
  });
});

describe("qmc verify --per-node input errors", () => {
  it("a missing golden folder exits 2 and names it", () => {
    const missing = join(dir, "no-such-golden");
    const r = qmc("verify", model, "--golden", missing, "--per-node");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`qmc: ${missing}: cannot read the golden folder (ENOENT)\n`);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it("a golden folder without intermediates and no --target exits 2 and says how to write them", () => {
    const golden = join(dir, "bare");
    mkdirSync(golden, { recursive: true });
    writeFileSync(join(golden, "input_0.pb"), tensorBytes(floatTensor("x", [...input.shape], [...input.values])));
    writeFileSync(
      join(golden, "output_0.pb"),
      tensorBytes(floatTensor("y", [1, 3, H, W], [...(reference.get("y") as Tensor).values])),
    );
    const r = qmc("verify", model, "--golden", golden, "--per-node");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--per-node: .*bare has no intermediates\/ folder .*python -m exporter\.intermediates/);
  });
});

describe("qmc verify --per-node, intermediates that do not fit", () => {
  it("an intermediate of another shape fails its node and says so", () => {
    const golden = goldenFolder("reshaped", reference, "y");
    const r0 = reference.get("r") as Tensor;
    writeFileSync(join(golden, "intermediates", "r.pb"), tensorBytes(floatTensor("r", [1, 4, 30, 1], [...r0.values])));
    // Two files for one value: the numbered one of goldenFolder goes, so that only r.pb holds 'r'.
    const numbered = [...reference.keys()].indexOf("r");
    rmSync(join(golden, "intermediates", `${numbered}.pb`));
    const r = qmc("verify", model, "--golden", golden, "--per-node");
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^relu1 +Relu +r +- +- +120\/120 +FAIL shape \[1,4,6,5\], expected shape \[1,4,30,1\]$/m);
    expect(r.stdout).toContain(
      "first divergence: node 'relu1' (Relu), output 'r': shape [1,4,6,5], expected shape [1,4,30,1]",
    );
  });

  it("an intermediate whose shape differs only in dims of size 1 is compared by value", () => {
    const golden = goldenFolder("unit-dims", reference, "y");
    const r0 = reference.get("r") as Tensor;
    writeFileSync(join(golden, "intermediates", "r.pb"), tensorBytes(floatTensor("r", [4, 6, 5, 1], [...r0.values])));
    rmSync(join(golden, "intermediates", `${[...reference.keys()].indexOf("r")}.pb`));
    const r = qmc("verify", model, "--golden", golden, "--per-node");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^relu1 +Relu +r +0\.000e\+0 +0\.000e\+0 +0\/120 +PASS$/m);
  });

  it("a nameless, duplicated or unreadable intermediate exits 2 and names the file", () => {
    const golden = goldenFolder("bad-files", reference, "y");
    const file = join(golden, "intermediates", "extra.pb");
    writeFileSync(file, tensorBytes(floatTensor("", [1], [0])));
    expect(qmc("verify", model, "--golden", golden, "--per-node").stderr).toBe(
      `qmc: ${file}: the TensorProto has no name (the ONNX value it holds)\n`,
    );
    writeFileSync(file, tensorBytes(floatTensor("r", [1], [0])));
    const dup = qmc("verify", model, "--golden", golden, "--per-node");
    expect(dup.status).toBe(2);
    expect(dup.stderr).toMatch(/intermediates\/\w+\.pb: a second intermediate for value 'r'/);
    writeFileSync(file, "\xff\xff\xff\xff");
    const junk = qmc("verify", model, "--golden", golden, "--per-node");
    expect(junk.status).toBe(2);
    expect(junk.stderr).toMatch(/extra\.pb: not a serialized ONNX TensorProto/);
  });
});

describe("verify kernel by kernel (compareKernels)", () => {
  it("names the first kernel whose target output leaves the reference, with its source node", async () => {
    const { compiled, plan } = planModelFile(model);
    // A target whose Relu kernel computes a sigmoid: kernel #1 goes wrong, the others stay right.
    const emit: Emit = (t, p) =>
      targetNamed(t).emit(p.kernels[0].kind === "Relu" ? { ...p, kernels: [{ ...p.kernels[0], kind: "Sigmoid" }] } : p);
    const c = await compareKernels(compiled, plan, input, { target: "js", emit, tol: MODEL_TOLERANCE });
    expect(c.rows.map((r) => r.ok)).toEqual([true, false, true, true, true]);
    expect(c.first).toMatchObject({ index: 1, kind: "Relu", sources: ["relu1"], output: "r", mismatches: 120 });
    // The whole artifact checked against the compiled graph's output: one element off fails it.
    const wrong = Float32Array.from(c.compiledOutput.values);
    wrong[7] += 0.25;
    const whole = compareWholeArtifact(c, new Tensor("float32", c.compiledOutput.shape, wrong), MODEL_TOLERANCE);
    expect(whole).toMatchObject({ ok: false, mismatches: 1, at: { index: 7, coords: [0, 0, 1, 2] } });
    expect(formatWholeArtifact(whole)).toMatch(
      /^whole artifact vs the reference interpreter on the compiled graph: FAIL, max abs error 2\.500e-1 at index 7 \(n=0, c=0, h=1, w=2\)/,
    );
    expect(formatKernels(c)).toMatch(
      /^first divergence: kernel #1 k1_relu \(Relu\) from ONNX node\(s\) 'relu1', output 'r': max abs error \S+ at index \d+ \(n=0, c=\d, h=\d, w=\d\), mean abs error \S+, 120 of 120 elements over tolerance$/m,
    );
  });
});

describe("verify report text", () => {
  it("names an unnamed node so, and gives other ranks' coordinates as a list", () => {
    const row = {
      node: "",
      op: "MatMul",
      output: "m",
      ok: false,
      maxAbs: 0.5,
      maxRel: 0.25,
      meanAbs: 0.1,
      mismatches: 1,
      total: 6,
      at: locate(5, [2, 3]),
    };
    const text = formatNodes({ rows: [row], first: row, uncovered: 0, outputs: [] }, "g/intermediates");
    expect(text).toMatch(/^\(unnamed\) +MatMul +m +5\.000e-1 +2\.500e-1 +1\/6 +FAIL$/m);
    expect(text).toContain(
      "first divergence: node (unnamed) (MatMul), output 'm': max abs error 5.000e-1 at index 5 [1, 2],",
    );
  });
});
