import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { qmc, STACK_LINE } from "./support/cli.js";
import { DT, floatTensor, modelBytes, node, valueInfo } from "./support/onnx-builder.js";

const dir = mkdtempSync(join(tmpdir(), "qmc-support-"));

/** Relu, then x to the power of a computed exponent (wasm refuses it), then x to the power 3. */
const file = join(dir, "powers.onnx");
writeFileSync(
  file,
  modelBytes({
    inputs: [valueInfo("x", DT.FLOAT, [1, 3, "h", "w"])],
    outputs: [valueInfo("y", DT.FLOAT)],
    initializers: [floatTensor("three", [], [3])],
    nodes: [
      node({ op: "Relu", inputs: ["x"], outputs: ["r"], name: "relu" }),
      node({ op: "Sigmoid", inputs: ["x"], outputs: ["e"], name: "exponent" }),
      node({ op: "Pow", inputs: ["r", "e"], outputs: ["p"], name: "pow_computed" }),
      node({ op: "Pow", inputs: ["p", "three"], outputs: ["y"], name: "cube" }),
    ],
  }),
);

describe("honest support in the CLI", () => {
  it("inspect --targets lists, per target, every kernel that cannot be compiled and why", () => {
    const r = qmc("inspect", file, "--targets", "js,wasm-simd");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("js: all 4 kernels compile");
    expect(r.stdout).toContain("wasm-simd: 2 of 4 kernels cannot be compiled:");
    expect(r.stdout).toContain(
      "#2 Pow from node 'pow_computed': Pow with a computed exponent: the wasm targets compute only squares",
    );
    expect(r.stdout).toContain("#3 Pow from node 'cube': Pow with the exponent 3");
    expect(r.stdout).toMatch(/kind\s+js\s+wasm-simd\n\s+Pow\s+yes\s+yes/);
  });

  it("inspect --targets --json carries the same list", () => {
    const r = qmc("inspect", file, "--targets", "wasm", "--json");
    const json = JSON.parse(r.stdout);
    expect(json.targets[0].target).toBe("wasm");
    expect(json.targets[0].ok).toBe(false);
    expect(json.targets[0].problems.map((p: { nodes: string[] }) => p.nodes[0])).toEqual(["pow_computed", "cube"]);
  });

  it("compile fails with every refusal of every target at once and writes nothing", () => {
    const out = join(dir, "out");
    const r = qmc("compile", file, "-t", "js,wasm,wasm-simd", "-o", out);
    expect(r.status).toBe(2);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.stderr).toContain("the wasm target cannot compile 2 of 4 kernels");
    expect(r.stderr).toContain("the wasm-simd target cannot compile 2 of 4 kernels");
    expect(r.stderr.match(/#2 Pow from node 'pow_computed'/g)?.length).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it("an unknown target is named before any work", () => {
    const r = qmc("inspect", file, "--targets", "js,arm");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown target 'arm' (available: js, ts, wasm, wasm-simd, wasm-relaxed)");
  });

  it("a model the planner refuses is still inspected, with the reason per target", () => {
    // A bias of one fixed spatial size added to a symbolic-size input: no size multiple makes it fit.
    const fixedBias = join(dir, "fixed-bias.onnx");
    writeFileSync(
      fixedBias,
      modelBytes({
        inputs: [valueInfo("x", DT.FLOAT, [1, 3, "h", "w"])],
        outputs: [valueInfo("y", DT.FLOAT)],
        initializers: [{ name: "b", dims: [1, 3, 24, 20], dataType: DT.FLOAT, floatData: new Array(1440).fill(0.5) }],
        nodes: [node({ op: "Add", inputs: ["x", "b"], outputs: ["y"], name: "add_bias" })],
      }),
    );
    const r = qmc("inspect", fixedBias, "--targets", "js");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("js: cannot check:");
    expect(r.stdout).toContain("do not broadcast (at input size 25x20");
    const pinned = qmc("inspect", fixedBias, "--targets", "js", "--size", "24x20", "--plan");
    expect(pinned.stdout).toContain("js: all 1 kernels compile");
    expect(pinned.stdout).toContain("memory plan at 24x20");
  });

  it("a model with shapes only at even sizes is planned for even sizes, and inspect --plan says why", () => {
    const s2d = join(dir, "s2d.onnx");
    writeFileSync(
      s2d,
      modelBytes({
        inputs: [valueInfo("x", DT.FLOAT, [1, 3, "h", "w"])],
        outputs: [valueInfo("y", DT.FLOAT)],
        nodes: [
          node({ op: "SpaceToDepth", inputs: ["x"], outputs: ["y"], attrs: [{ name: "blocksize", type: 2, i: 2 }] }),
        ],
      }),
    );
    const r = qmc("inspect", s2d, "--targets", "js", "--plan");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("js: all 1 kernels compile");
    expect(r.stdout).toContain("input height and width: multiples of 2 and 2");
    expect(r.stdout).toContain(
      "other sizes fail: at 25x20: node (unnamed) (SpaceToDepth): a dimension of 25 does not divide",
    );
  });

  it("kernels prints the kind x target table", () => {
    const r = qmc("kernels");
    expect(r.status).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(/^kind\s+js\s+ts\s+wasm\s+wasm-simd\s+wasm-relaxed$/);
    expect(r.stdout).toMatch(/\nPRelu\s+yes\s+yes\s+yes\s+yes\s+yes\n/);
  });
});
