import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { targetNamed } from "../compiler/cli/compile-model.js";
import { planModelFile } from "../compiler/cli/load-plan.js";
import { Interpreter } from "../compiler/interp/interpreter.js";
import { Tensor } from "../compiler/ir/tensor.js";
import { readModelFile } from "../compiler/onnx/decode.js";
import { loadEngine } from "../runtime/core/index.js";
import { transpileTypeScript } from "../runtime/node/typescript.js";
import { DT, floatTensor, type ModelSpec, modelBytes, node, valueInfo } from "./support/onnx-builder.js";
import { rng } from "./support/random.js";
import { hostHasRelaxedSimd } from "./wasm/support.js";

/*
 * Bool values between kernels, as PyTorch's dynamo exporter writes them (its Softplus with a
 * threshold is Softplus, Greater and Where; masks are comparisons joined by And, Or and Not, and
 * Cast to or from float): they travel as uint8 0 and 1, and every op here is exact, so each target
 * equals the reference bit for bit.
 */

const op = (type: string, inputs: string[], output: string) => node({ op: type, inputs, outputs: [output] });
const castTo = (input: string, to: number, output: string) =>
  node({ op: "Cast", inputs: [input], outputs: [output], attrs: [{ name: "to", type: 2, i: to }] });

/** An opset-20 graph x [1, 3, H, W] -> y of the same shape, written to `dir`/`name`. */
function writeGraph(dir: string, name: string, graph: Pick<ModelSpec, "initializers" | "nodes">): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    modelBytes({
      opsets: { "": 20 },
      inputs: [valueInfo("x", DT.FLOAT, [1, 3, "H", "W"])],
      outputs: [valueInfo("y", DT.FLOAT, [1, 3, "H", "W"])],
      ...graph,
    }),
  );
  return file;
}

function writeModel(dir: string): string {
  return writeGraph(dir, "bools.onnx", {
    initializers: [
      floatTensor("t", [], [0.25]),
      floatTensor("lo", [1, 3, 1, 1], [-0.5, 0, 0.5]),
      floatTensor("k", [], [0.5]),
    ],
    nodes: [
      op("Greater", ["x", "t"], "gt"),
      op("Less", ["x", "lo"], "lt"),
      op("GreaterOrEqual", ["x", "lo"], "ge"),
      op("LessOrEqual", ["x", "t"], "le"),
      op("Equal", ["x", "x"], "eq"),
      op("Or", ["gt", "lt"], "outside"),
      op("And", ["ge", "le"], "inside"),
      op("Xor", ["gt", "ge"], "either"),
      op("Not", ["either"], "neither"),
      op("And", ["neither", "outside"], "kept"),
      op("And", ["kept", "eq"], "keep"),
      op("Mul", ["x", "k"], "half"),
      op("Where", ["keep", "x", "half"], "w1"),
      op("Where", ["inside", "t", "w1"], "y"),
    ],
  });
}

/** (x > 0.25) as float times x, plus (x != 0) as float: Cast from and to bool. */
function writeCastModel(dir: string): string {
  return writeGraph(dir, "casts.onnx", {
    initializers: [floatTensor("t", [], [0.25])],
    nodes: [
      op("Greater", ["x", "t"], "gt"),
      castTo("gt", DT.FLOAT, "gtf"),
      op("Mul", ["gtf", "x"], "above"),
      castTo("x", DT.BOOL, "nonzero"),
      castTo("nonzero", DT.FLOAT, "nzf"),
      op("Add", ["above", "nzf"], "y"),
    ],
  });
}

describe("bool values between kernels (comparisons, And, Or, Xor, Not, Where)", () => {
  const file = writeModel(mkdtempSync(join(tmpdir(), "qmc-bools-")));
  const { plan } = planModelFile(file);
  const [h, w] = [5, 7];
  const next = rng(11);
  // Values on the thresholds too, where > and >= part.
  const x = Float32Array.from({ length: 3 * h * w }, (_, i) =>
    i % 5 === 0 ? [0.25, -0.5, 0, 0.5][i % 4] : Math.fround(next() * 2 - 1),
  );
  const [expected] = new Interpreter(readModelFile(file), file).run([new Tensor("float32", [1, 3, h, w], x)]);
  const half = (i: number) => Math.fround(x[i] * 0.5);

  it("the case takes every branch: x, x / 2 and the threshold", () => {
    const picks = [...expected.values].map((v, i) =>
      v === 0.25 ? "t" : v === x[i] ? "x" : v === half(i) ? "half" : "?",
    );
    expect(new Set(picks)).toEqual(new Set(["t", "x", "half"]));
  });

  it("the plan keeps bools as uint8 buffers", () => {
    const bools = plan.buffers.filter((b) => ["gt", "lt", "outside", "neither", "keep"].includes(b.name));
    expect(bools.map((b) => b.dtype)).toEqual(bools.map(() => "uint8"));
  });

  it.each(["js", "ts", "wasm", "wasm-simd", "wasm-relaxed"])("%s equals the reference bit for bit", async (target) => {
    if (target === "wasm-relaxed" && !hostHasRelaxedSimd()) return;
    const engine = await loadEngine(await targetNamed(target).emit(plan), { transpile: transpileTypeScript });
    engine.prepare(h, w);
    engine.input().set(x);
    engine.run();
    expect([...engine.output()]).toEqual([...expected.values]);
  });
});

describe("Cast to and from bool", () => {
  const file = writeCastModel(mkdtempSync(join(tmpdir(), "qmc-casts-")));
  const { plan } = planModelFile(file);
  const [h, w] = [4, 6];
  const next = rng(12);
  // Zeros (cast to false), values on the threshold, and the rest.
  const x = Float32Array.from({ length: 3 * h * w }, (_, i) => (i % 6 === 0 ? 0 : i % 6 === 1 ? 0.25 : next() * 2 - 1));
  const [expected] = new Interpreter(readModelFile(file), file).run([new Tensor("float32", [1, 3, h, w], x)]);

  it.each(["js", "ts", "wasm", "wasm-simd", "wasm-relaxed"])("%s equals the reference bit for bit", async (target) => {
    if (target === "wasm-relaxed" && !hostHasRelaxedSimd()) return;
    const engine = await loadEngine(await targetNamed(target).emit(plan), { transpile: transpileTypeScript });
    engine.prepare(h, w);
    engine.input().set(x);
    engine.run();
    expect([...engine.output()]).toEqual([...expected.values]);
    expect(new Set(expected.values)).toContain(0);
  });
});
