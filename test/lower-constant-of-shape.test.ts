import { describe, expect, it } from "vitest";
import { Interpreter } from "../compiler/interp/interpreter.js";
import type { Model } from "../compiler/ir/graph.js";
import { Tensor } from "../compiler/ir/tensor.js";
import { decodeModel } from "../compiler/onnx/decode.js";
import { lowerConstantOfShape } from "../compiler/passes/lower-constant-of-shape.js";
import { runPipeline } from "../compiler/pipeline.js";
import { buildPlan } from "../compiler/plan/build-plan.js";
import { emitJs } from "../targets/js/emit.js";
import { DT, modelBytes, node, valueInfo } from "./support/onnx-builder.js";
import { rng, uniform } from "./support/random.js";
import { loadScript } from "./targets/harness.js";

/** FFDNet's input: the image and a constant noise-level plane of its size, concatenated. */
function noiseMapModel(value?: { dataType: number; data: number[] }): Model {
  const attrs = value
    ? [
        {
          name: "value",
          type: 4,
          t: {
            dims: [1],
            dataType: value.dataType,
            ...(value.dataType === DT.FLOAT ? { floatData: value.data } : { int64Data: value.data }),
          },
        },
      ]
    : [];
  return decodeModel(
    modelBytes({
      inputs: [valueInfo("x", DT.FLOAT, [1, 3, "h", "w"])],
      outputs: [valueInfo("y", DT.FLOAT)],
      nodes: [
        node({ op: "Slice", inputs: ["x", "zero", "one", "one"], outputs: ["first"] }),
        node({ op: "Shape", inputs: ["first"], outputs: ["s"] }),
        node({ op: "ConstantOfShape", inputs: ["s"], outputs: ["sigma"], attrs }),
        node({ op: "Concat", inputs: ["x", "sigma"], outputs: ["y"], attrs: [{ name: "axis", type: 2, i: 1 }] }),
      ],
      initializers: [
        { name: "zero", dims: [1], dataType: DT.INT64, int64Data: [0] },
        { name: "one", dims: [1], dataType: DT.INT64, int64Data: [1] },
      ],
      opsets: { "": 17 },
    }),
    { file: "noise-map.onnx" },
  );
}

const ops = (m: Model) => m.graph.nodes.map((n) => n.opType);

describe("lower-constant-of-shape", () => {
  it("makes a float ConstantOfShape of a computed shape an Expand of its value", () => {
    const model = noiseMapModel({ dataType: DT.FLOAT, data: [25 / 255] });
    const out = lowerConstantOfShape.run(model, "noise-map.onnx");
    expect(ops(out)).toEqual(["Slice", "Shape", "Expand", "Concat"]);
    const x = Tensor.from("float32", [1, 3, 5, 7], uniform(105, 0, 1, rng(3)));
    const [expected] = new Interpreter(model).run([x]);
    const [actual] = new Interpreter(out).run([x]);
    expect(Array.from(actual.values)).toEqual(Array.from(expected.values));
  });

  it("takes ONNX's default value 0 and leaves integer ones (shape arithmetic) alone", () => {
    expect(ops(lowerConstantOfShape.run(noiseMapModel(), "noise-map.onnx"))).toContain("Expand");
    const ints = noiseMapModel({ dataType: DT.INT64, data: [1] });
    expect(ops(lowerConstantOfShape.run(ints, "noise-map.onnx"))).toContain("ConstantOfShape");
  });

  it("compiles to an Expand kernel whose artifact agrees with the reference at any size", () => {
    const model = noiseMapModel({ dataType: DT.FLOAT, data: [0.1] });
    const plan = buildPlan(runPipeline(model, "noise-map.onnx"), "noise-map.onnx", { name: "nm", sha256: "test" });
    expect(plan.kernels.map((k) => k.kind)).toContain("Expand");
    const art = loadScript(emitJs(plan, { compilerVersion: "test" }));
    for (const [h, w] of [
      [5, 7],
      [2, 9],
    ]) {
      const x = Tensor.from("float32", [1, 3, h, w], uniform(3 * h * w, 0, 1, rng(h)));
      const [expected] = new Interpreter(model).run([x]);
      expect(art.qmc_prepare(h, w)).toBe(0);
      new Float32Array(art.memory, art.qmc_input(), x.size).set(x.values);
      expect(art.qmc_run()).toBe(0);
      expect([...new Float32Array(art.memory, art.qmc_output(), 4 * h * w)]).toEqual([...expected.values]);
    }
  });
});
