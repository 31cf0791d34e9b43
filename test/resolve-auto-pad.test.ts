import { describe, expect, it } from "vitest";
import { targetNamed } from "../compiler/cli/compile-model.js";
import { Interpreter } from "../compiler/interp/interpreter.js";
import type { Model } from "../compiler/ir/graph.js";
import { Tensor } from "../compiler/ir/tensor.js";
import { decodeModel } from "../compiler/onnx/decode.js";
import { collectPassNotes, type PassNote } from "../compiler/passes/notes.js";
import { resolveAutoPad } from "../compiler/passes/resolve-auto-pad.js";
import { runPipeline } from "../compiler/pipeline.js";
import { buildPlan } from "../compiler/plan/build-plan.js";
import { loadEngine } from "../runtime/core/index.js";
import { DT, floatTensor, modelBytes, node, type Shape, valueInfo } from "./support/onnx-builder.js";
import { rng, uniform } from "./support/random.js";

/**
 * SAME auto_pad as TensorFlow and Keras exports write it: a MaxPool, an AveragePool and a Conv whose
 * SAME pads become explicit where they are the same at every planned size. The pads are the ones
 * SAME means, so every value is unchanged, and the pools (whose kernels take no SAME) compile.
 */
function sameModel(input: Shape, stride: number, autoPad = "SAME_UPPER"): Model {
  const window = (k: number) => [
    { name: "auto_pad", type: 3, s: new TextEncoder().encode(autoPad) },
    { name: "kernel_shape", type: 7, ints: [k, k] },
    { name: "strides", type: 7, ints: [stride, stride] },
  ];
  return decodeModel(
    modelBytes({
      inputs: [valueInfo("x", DT.FLOAT, input)],
      outputs: [valueInfo("y", DT.FLOAT)],
      initializers: [floatTensor("w", [3, 3, 2, 2], uniform(36, -1, 1, rng(5)))],
      nodes: [
        node({ op: "MaxPool", inputs: ["x"], outputs: ["p"], attrs: window(3) }),
        node({ op: "AveragePool", inputs: ["p"], outputs: ["q"], attrs: window(2) }),
        node({ op: "Conv", inputs: ["q", "w"], outputs: ["y"], attrs: window(2) }),
      ],
      opsets: { "": 17 },
    }),
    { file: "same.onnx" },
  );
}

function resolved(model: Model): { out: Model; notes: string[] } {
  const notes: PassNote[] = [];
  const out = collectPassNotes(notes, () => resolveAutoPad.run(model, "same.onnx"));
  return { out, notes: notes.map((n) => n.message) };
}

const padsOf = (m: Model) =>
  m.graph.nodes.map((n) => {
    const a = n.attrs.get("pads");
    return `${n.opType} ${n.attrs.has("auto_pad") ? "auto_pad" : `[${a?.type === "ints" ? a.value : ""}]`}`;
  });

function run(model: Model, shape: number[]): Tensor {
  const x = Tensor.from(
    "float32",
    shape,
    uniform(
      shape.reduce((a, b) => a * b, 1),
      -2,
      2,
      rng(9),
    ),
  );
  return new Interpreter(model).run([x])[0];
}

describe("resolve-auto-pad", () => {
  it("writes out stride-1 SAME pads for any image size", () => {
    const model = sameModel([1, 3, "H", "W"], 1);
    const { out, notes } = resolved(model);
    expect(notes).toEqual([]);
    expect(padsOf(out)).toEqual(["MaxPool [1,1,1,1]", "AveragePool [0,0,1,1]", "Conv [0,0,1,1]"]);
    expect(run(out, [1, 3, 7, 6]).values).toEqual(run(model, [1, 3, 7, 6]).values);
  });

  it("puts SAME_LOWER's odd pad at the beginning", () => {
    const { out } = resolved(sameModel([1, 3, "H", "W"], 1, "SAME_LOWER"));
    expect(padsOf(out)).toEqual(["MaxPool [1,1,1,1]", "AveragePool [1,1,0,0]", "Conv [1,1,0,0]"]);
  });

  it("writes out strided SAME pads at a fixed size", () => {
    const model = sameModel([1, 3, 9, 8], 2);
    const { out, notes } = resolved(model);
    expect(notes).toEqual([]);
    expect(padsOf(out)).toEqual(["MaxPool [1,0,1,1]", "AveragePool [0,0,1,0]", "Conv [0,0,1,0]"]);
    expect(run(out, [1, 3, 9, 8]).values).toEqual(run(model, [1, 3, 9, 8]).values);
  });

  it("leaves strided SAME pads that follow the image size, saying why", () => {
    const { out, notes } = resolved(sameModel([1, 3, "H", "W"], 2));
    expect(padsOf(out)[0]).toBe("MaxPool auto_pad");
    expect(notes.join("\n")).toContain("its pads change with the image size ([0,0,1,1] at 24x20, [1,1,1,1] at 25x21");
  });

  it.each(["js", "wasm-simd"])("%s runs the resolved pools and conv as the reference does", async (target) => {
    const model = sameModel([1, 3, "H", "W"], 1);
    const plan = buildPlan(runPipeline(model, "same.onnx"), "same.onnx", { name: "same", sha256: "test" });
    const engine = await loadEngine(await targetNamed(target).emit(plan));
    const [h, w] = [7, 6];
    const x = uniform(3 * h * w, -2, 2, rng(9));
    engine.prepare(h, w);
    engine.input().set(x);
    engine.run();
    const expected = new Interpreter(model).run([Tensor.from("float32", [1, 3, h, w], x)])[0];
    const got = [...engine.output()];
    const err = Math.max(...got.map((v, i) => Math.abs(v - expected.values[i])));
    expect(got.length).toBe(expected.size);
    expect(err).toBeLessThan(1e-5);
  });
});
