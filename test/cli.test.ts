import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { qmc, STACK_LINE } from "./support/cli.js";
import { DT, floatTensor, modelBytes, node, tensorBytes, valueInfo } from "./support/onnx-builder.js";

const dir = mkdtempSync(join(tmpdir(), "qmc-cli-"));
const write = (name: string, bytes: Uint8Array | string) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};
const addModel = modelBytes({
  inputs: [valueInfo("x", DT.FLOAT, [2])],
  outputs: [valueInfo("y", DT.FLOAT, [2])],
  nodes: [node({ op: "Add", inputs: ["x", "x"], outputs: ["y"] })],
});
const conformance = join(import.meta.dirname, "..", "..", "shared", "conformance", "onnx-node", "onnx-1.22.0");

/** Every bad input: exit code 2, one clear line naming the thing, no stack trace. */
function expectUserError(args: string[], message: RegExp) {
  const r = qmc(...args);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(STACK_LINE);
  expect(r.status).toBe(2);
}

describe("qmc bad input", () => {
  it("unreadable path", () => {
    expectUserError(["inspect", join(dir, "nope.onnx")], /nope.onnx: cannot read \(ENOENT\)/);
  });
  it("a folder instead of a file", () => {
    expectUserError(["inspect", dir], /is a folder, expected an .onnx file/);
  });
  it("truncated file", () => {
    const f = write("truncated.onnx", addModel.subarray(0, addModel.length - 5));
    expectUserError(["inspect", f], /truncated.onnx: not (a valid|an) ONNX model/);
  });
  it("non-ONNX file", () => {
    const f = write("notes.onnx", "these are notes, not a model\n");
    expectUserError(["inspect", f], /notes.onnx: not (a valid|an) ONNX model/);
  });
  it("missing initializer", () => {
    const f = write(
      "missing.onnx",
      modelBytes({
        inputs: [valueInfo("x", DT.FLOAT, [2])],
        outputs: [valueInfo("y", DT.FLOAT, [2])],
        nodes: [node({ op: "Add", name: "add_bias", inputs: ["x", "bias"], outputs: ["y"] })],
      }),
    );
    expectUserError(["inspect", f], /node 'add_bias' \(Add\) reads 'bias', which no graph input, initializer or node/);
  });
  it("graph cycle", () => {
    const f = write(
      "cycle.onnx",
      modelBytes({
        inputs: [valueInfo("x", DT.FLOAT, [2])],
        outputs: [valueInfo("y", DT.FLOAT, [2])],
        nodes: [
          node({ op: "Add", name: "a", inputs: ["x", "c"], outputs: ["b"] }),
          node({ op: "Relu", name: "r", inputs: ["b"], outputs: ["c"] }),
          node({ op: "Identity", name: "i", inputs: ["c"], outputs: ["y"] }),
        ],
      }),
    );
    expectUserError(["inspect", f], /cycle through/);
  });
  it("unknown op and unknown opset: every unsupported node listed at once", () => {
    const f = write(
      "unknown.onnx",
      modelBytes({
        opsets: { "": 17, "com.example": 1 },
        inputs: [valueInfo("x", DT.FLOAT, [2])],
        outputs: [valueInfo("y", DT.FLOAT, [2])],
        nodes: [
          node({ op: "FancyOp", name: "fancy1", inputs: ["x"], outputs: ["a"] }),
          node({ op: "Magic", name: "magic", domain: "com.example", inputs: ["a"], outputs: ["b"] }),
          node({ op: "FancyOp", name: "fancy2", inputs: ["b"], outputs: ["y"] }),
        ],
      }),
    );
    const inspect = qmc("inspect", f);
    expect(inspect.status).toBe(0);
    expect(inspect.stdout).toMatch(/unsupported nodes: 3/);
    expect(inspect.stdout).toMatch(/'fancy1'\s+op FancyOp\s+domain ai.onnx\s+opset 17: unsupported operator/);
    expect(inspect.stdout).toMatch(/'magic'\s+op Magic\s+domain com.example\s+opset 1: unknown operator domain/);
    expect(inspect.stdout).toMatch(/'fancy2'/);
    const golden = join(dir, "golden-unknown");
    mkdirSync(golden, { recursive: true });
    writeFileSync(join(golden, "input_0.pb"), tensorBytes(floatTensor("x", [2], [1, 2])));
    writeFileSync(join(golden, "output_0.pb"), tensorBytes(floatTensor("y", [2], [1, 2])));
    expectUserError(
      ["verify", f, "--golden", golden],
      /3 node\(s\) cannot be evaluated:[\s\S]*fancy1[\s\S]*magic[\s\S]*fancy2/,
    );
  });
  it("opset newer than supported", () => {
    const f = write(
      "opset.onnx",
      modelBytes({
        opsets: { "": 99 },
        inputs: [valueInfo("x", DT.FLOAT, [2])],
        outputs: [valueInfo("y", DT.FLOAT, [2])],
        nodes: [node({ op: "Add", name: "add", inputs: ["x", "x"], outputs: ["y"] })],
      }),
    );
    expect(qmc("inspect", f).stdout).toMatch(
      /'add'\s+op Add\s+domain ai.onnx\s+opset 99: opset 99 of 'ai.onnx' is newer/,
    );
  });
  it("wrong input dtype", () => {
    const f = write("add.onnx", addModel);
    const golden = join(dir, "golden-dtype");
    mkdirSync(golden, { recursive: true });
    writeFileSync(join(golden, "input_0.pb"), tensorBytes({ dataType: DT.INT32, dims: [2], int32Data: [1, 2] }));
    writeFileSync(join(golden, "output_0.pb"), tensorBytes(floatTensor("y", [2], [2, 4])));
    expectUserError(["verify", f, "--golden", golden], /input 'x' is int32, the model expects float32/);
  });
  it("wrong element type inside the graph", () => {
    const f = write(
      "mixed.onnx",
      modelBytes({
        inputs: [valueInfo("x", DT.FLOAT, [2])],
        outputs: [valueInfo("y", DT.FLOAT, [2])],
        initializers: [{ name: "k", dims: [2], dataType: DT.INT64, int64Data: [1, 2] }],
        nodes: [node({ op: "Add", name: "mixed_add", inputs: ["x", "k"], outputs: ["y"] })],
      }),
    );
    const golden = join(dir, "golden-mixed");
    mkdirSync(golden, { recursive: true });
    writeFileSync(join(golden, "input_0.pb"), tensorBytes(floatTensor("x", [2], [1, 2])));
    writeFileSync(join(golden, "output_0.pb"), tensorBytes(floatTensor("y", [2], [2, 4])));
    expectUserError(["verify", f, "--golden", golden], /node 'mixed_add' \(Add\): input 1 is int64, expected float32/);
  });
  it("an unknown option is named", () => {
    const r = qmc("inspect", "--frobnicate", "x.onnx");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--frobnicate'/);
  });
  it("a non-numeric tolerance is named", () => {
    expectUserError(
      ["verify", "m.onnx", "--golden", dir, "--rtol", "abc"],
      /option '--rtol <x>' argument 'abc' is invalid. 'abc' is not a number/,
    );
  });
});

describe("qmc verify", () => {
  const caseDir = join(conformance, "test_add_bcast");
  it("passes a conformance case and prints the max abs error per output", () => {
    const r = qmc("verify", join(caseDir, "model.onnx"), "--golden", join(caseDir, "test_data_set_0"));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^PASS {2}sum {2}max abs error 0.000e\+0 {2}PSNR inf dB$/m);
  });
  it("exits 1 and says FAIL when outputs differ", () => {
    const f = write("add2.onnx", addModel);
    const golden = join(dir, "golden-wrong");
    mkdirSync(golden, { recursive: true });
    writeFileSync(join(golden, "input_0.pb"), tensorBytes(floatTensor("x", [2], [1, 2])));
    writeFileSync(join(golden, "output_0.pb"), tensorBytes(floatTensor("y", [2], [2, 4.01])));
    const r = qmc("verify", f, "--golden", golden);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAIL {2}y {2}max abs error 1.000e-2 {2}PSNR 43.01 dB {2}1 of 2 elements differ/m);
    const loose = qmc("verify", f, "--golden", golden, "--atol", "0.02");
    expect(loose.status).toBe(0);
    expect(qmc("verify", f, "--golden", golden, "--min-psnr", "43").status).toBe(0);
    expect(qmc("verify", f, "--golden", golden, "--min-psnr", "44").status).toBe(1);
  });
});

describe("qmc inspect", () => {
  it("reports opsets, shapes with symbolic dims, op histogram and parameters as JSON", () => {
    const f = write(
      "sym.onnx",
      modelBytes({
        inputs: [valueInfo("img", DT.FLOAT, [1, 3, "H", "W"])],
        outputs: [valueInfo("out", DT.FLOAT, [1, 3, "H", "W"])],
        initializers: [
          floatTensor("b", [3, 1, 1], [0.1, 0.2, 0.3]),
          { name: "q", dims: [5], dataType: DT.INT4, int32Data: [0, 0, 0] },
        ],
        nodes: [
          node({ op: "Add", inputs: ["img", "b"], outputs: ["t"] }),
          node({ op: "Relu", inputs: ["t"], outputs: ["out"] }),
        ],
      }),
    );
    const r = qmc("inspect", f, "--json");
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.opsets).toEqual({ "ai.onnx": 17 });
    expect(s.inputs).toEqual([{ name: "img", dtype: "float32", shape: [1, 3, "H", "W"] }]);
    expect(s.ops).toEqual({ "ai.onnx": { Add: 1, Relu: 1 } });
    expect(s.parameters.byDType).toEqual({ float32: { count: 3, bytes: 12 }, int4: { count: 5, bytes: 3 } });
    expect(s.unsupported).toEqual([]);
    const text = qmc("inspect", f).stdout;
    expect(text).toMatch(/img {2}float32 \[1, 3, H, W\]/);
  });
});
