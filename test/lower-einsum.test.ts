import { describe, expect, it } from "vitest";
import { Interpreter } from "../compiler/interp/interpreter.js";
import type { Model } from "../compiler/ir/graph.js";
import { Tensor } from "../compiler/ir/tensor.js";
import { decodeModel } from "../compiler/onnx/decode.js";
import { lowerEinsum } from "../compiler/passes/lower-einsum.js";
import { collectPassNotes, type PassNote } from "../compiler/passes/notes.js";
import { runPipeline } from "../compiler/pipeline.js";
import { buildPlan } from "../compiler/plan/build-plan.js";
import { DT, floatTensor, modelBytes, node, type Shape, valueInfo } from "./support/onnx-builder.js";
import { rng, uniform } from "./support/random.js";

/**
 * Einsum(x, second) -> y for an image input x of `shape`; the second operand is x itself when
 * `weights` is absent (attention's q against k), else a constant of those dims.
 */
function einsumModel(equation: string, shape: Shape, weights?: number[], opset = 17): Model {
  const n = weights?.reduce((a, b) => a * b, 1) ?? 0;
  return decodeModel(
    modelBytes({
      inputs: [valueInfo("x", DT.FLOAT, shape)],
      outputs: [valueInfo("y", DT.FLOAT)],
      initializers: weights ? [floatTensor("w", weights, uniform(n, -1, 1, rng(3)))] : [],
      nodes: [
        node({
          op: "Einsum",
          inputs: ["x", weights ? "w" : "x"],
          outputs: ["y"],
          attrs: [{ name: "equation", type: 3, s: new TextEncoder().encode(equation) }],
        }),
      ],
      opsets: { "": opset },
    }),
    { file: "einsum.onnx" },
  );
}

function run(model: Model, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Interpreter(model).run([Tensor.from("float32", shape, uniform(n, -2, 2, rng(7)))])[0];
}

function lowered(model: Model): { out: Model; notes: PassNote[] } {
  const notes: PassNote[] = [];
  const out = collectPassNotes(notes, () => lowerEinsum.run(model, "einsum.onnx"));
  return { out, notes };
}

/** MatMul sums in its own order: agreement within float32 rounding of the products' magnitudes. */
function expectClose(actual: Tensor, expected: Tensor): void {
  expect(actual.shape).toEqual(expected.shape);
  const bad = [...actual.values].flatMap((v, i) =>
    Math.abs(v - expected.values[i]) <= 1e-5 * (1 + Math.abs(expected.values[i]))
      ? []
      : [`[${i}] ${v} vs ${expected.values[i]}`],
  );
  expect(bad.slice(0, 5)).toEqual([]);
}

describe("lower-einsum", () => {
  const cases: [string, Shape, number[] | undefined, number[]][] = [
    ["bchw,bdhw->bcd", [1, 6, "H", "W"], undefined, [1, 6, 5, 7]],
    ["bchw,cd->bdhw", [1, 4, "H", "W"], [4, 3], [1, 4, 6, 5]],
    ["bchw,cd->bhwd", [1, 4, "H", "W"], [4, 5], [1, 4, 6, 5]],
    ["bchw,bchw->bhw", [2, 3, "H", "W"], undefined, [2, 3, 4, 5]],
    ["bchw,kc->bkhw", [1, 3, "H", "W"], [5, 3], [1, 3, 4, 6]],
    ["bchw,bchw->bchw", [1, 2, "H", "W"], undefined, [1, 2, 3, 5]],
    ["ij,jk", [3, 4], [4, 5], [3, 4]],
    ["bchw,dc->bd", [1, 4, "H", "W"], [2, 4], [1, 4, 3, 5]],
    ["bchw,bchw->bc", [1, 3, "H", "W"], undefined, [1, 3, 5, 4]],
    ["...ij,...jk->...ik", [2, 3, 3], [2, 3, 4], [2, 3, 3]],
    ["...ij,...jk", [2, 3, 3], [2, 3, 4], [2, 3, 3]],
    ["...chw,cd->...dhw", [1, 4, "H", "W"], [4, 3], [1, 4, 6, 5]],
    ["b...,b...->b", [1, 3, "H", "W"], undefined, [1, 3, 4, 5]],
    ["...ij,jk->...ik", [2, 3, 3], [3, 4], [2, 3, 3]],
  ];
  it.each(cases)("%s becomes Transpose/Reshape/MatMul with Einsum's values", (equation, shape, weights, at) => {
    const model = einsumModel(equation, shape, weights);
    const { out, notes } = lowered(model);
    expect(notes.map((n) => n.message)).toEqual([]);
    const kinds = out.graph.nodes.map((n) => n.opType);
    expect(kinds).not.toContain("Einsum");
    expect(kinds).toContain("MatMul");
    expectClose(run(out, at), run(model, at));
  });

  it("plans a dynamic-size model without an Einsum kernel (image dims read from Shape)", () => {
    const model = einsumModel("bchw,cd->bdhw", [1, 4, "H", "W"], [4, 3]);
    const plan = buildPlan(runPipeline(model, "einsum.onnx"), "einsum.onnx", { name: "einsum", sha256: "test" });
    expect(plan.kernels.map((k) => k.kind)).not.toContain("Einsum");
  });

  it.each([
    ["a diagonal", "bii,bij->bj", [2, 3, 4], "repeats a letter in one term"],
    [
      "a broadcast ellipsis dim",
      "...ij,...jk->...ik",
      [1, 3, 4],
      "sizes for '#0' differ (broadcasting is not lowered)",
    ],
  ])("leaves %s as it is, saying why", (_what, equation, weights, why) => {
    const model = einsumModel(equation, [2, 3, 3], weights);
    const { out, notes } = lowered(model);
    expect(out.graph.nodes.map((n) => n.opType)).toEqual(["Einsum"]);
    expect(notes.map((n) => n.message).join("\n")).toContain(why);
  });
});
