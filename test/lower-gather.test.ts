import { describe, expect, it } from "vitest";
import { Interpreter } from "../compiler/interp/interpreter.js";
import type { Model } from "../compiler/ir/graph.js";
import { Tensor } from "../compiler/ir/tensor.js";
import { decodeModel } from "../compiler/onnx/decode.js";
import type { onnx } from "../compiler/onnx/onnx-proto.js";
import { lowerGather } from "../compiler/passes/lower-gather.js";
import { collectPassNotes, type PassNote } from "../compiler/passes/notes.js";
import { runPipeline } from "../compiler/pipeline.js";
import { buildPlan } from "../compiler/plan/build-plan.js";
import { DT, modelBytes, node, type Shape, valueInfo } from "./support/onnx-builder.js";
import { rng, uniform } from "./support/random.js";

/** Gather(x, idx, axis) -> y, then the `extra` nodes. */
function gatherModel(opts: {
  shape: Shape;
  indices: { dims: number[]; values: number[]; type?: number };
  axis: number;
  opset?: number;
  extra?: onnx.INodeProto[];
  initializers?: onnx.ITensorProto[];
  output?: string;
}): Model {
  const { indices } = opts;
  const idx: onnx.ITensorProto =
    indices.type === DT.INT32
      ? { name: "idx", dims: indices.dims, dataType: DT.INT32, int32Data: indices.values }
      : { name: "idx", dims: indices.dims, dataType: DT.INT64, int64Data: indices.values };
  return decodeModel(
    modelBytes({
      inputs: [valueInfo("x", DT.FLOAT, opts.shape)],
      outputs: [valueInfo(opts.output ?? "y", DT.FLOAT)],
      nodes: [
        node({ op: "Gather", inputs: ["x", "idx"], outputs: ["y"], attrs: [{ name: "axis", type: 2, i: opts.axis }] }),
        ...(opts.extra ?? []),
      ],
      initializers: [idx, ...(opts.initializers ?? [])],
      opsets: { "": opts.opset ?? 17 },
    }),
    { file: "gather.onnx" },
  );
}

function run(model: Model, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Interpreter(model).run([Tensor.from("float32", shape, uniform(n, -2, 2, rng(7)))])[0];
}

function lowered(model: Model): { out: Model; notes: PassNote[] } {
  const notes: PassNote[] = [];
  const out = collectPassNotes(notes, () => lowerGather.run(model, "gather.onnx"));
  return { out, notes };
}

const ops = (m: Model) => m.graph.nodes.map((n) => n.opType);

/** The lowered graph computes what Gather does, element for element, at `at`. */
function expectSame(model: Model, at: number[]): Model {
  const { out } = lowered(model);
  const expected = run(model, at);
  const actual = run(out, at);
  expect(actual.shape).toEqual(expected.shape);
  expect(Array.from(actual.values)).toEqual(Array.from(expected.values));
  return out;
}

describe("lower-gather", () => {
  it("lowers a scalar index (qkv[0]) to a Slice and a Squeeze", () => {
    const m = gatherModel({ shape: [3, 2, 4, 5], indices: { dims: [], values: [1] }, axis: 0 });
    expect(ops(expectSame(m, [3, 2, 4, 5]))).toEqual(["Slice", "Squeeze"]);
  });

  it("counts a negative scalar index from the end of the axis", () => {
    const m = gatherModel({ shape: [1, 5, 3, 4], indices: { dims: [], values: [-2] }, axis: -3 });
    expect(ops(expectSame(m, [1, 5, 3, 4]))).toEqual(["Slice", "Squeeze"]);
  });

  it("lowers an index list to one Slice per run of consecutive indices and a Concat", () => {
    const m = gatherModel({ shape: [1, 6, 3, 4], indices: { dims: [5], values: [2, 1, 0, 3, 4] }, axis: 1 });
    expect(ops(expectSame(m, [1, 6, 3, 4]))).toEqual(["Slice", "Slice", "Slice", "Slice", "Concat"]);
    const run3 = gatherModel({ shape: [1, 6, 3, 4], indices: { dims: [3], values: [1, 2, 3] }, axis: 1 });
    expect(ops(expectSame(run3, [1, 6, 3, 4]))).toEqual(["Slice"]);
  });

  it("repeats an index as Gather does, with int32 indices", () => {
    const m = gatherModel({
      shape: [1, 3, 2, 2],
      indices: { dims: [4], values: [0, 0, 2, -1], type: DT.INT32 },
      axis: 1,
    });
    expect(ops(expectSame(m, [1, 3, 2, 2]))).toEqual(["Slice", "Slice", "Slice", "Slice", "Concat"]);
  });

  it("writes Slice and Squeeze in their opset-9 and opset-11 forms (attributes)", () => {
    for (const opset of [9, 11]) {
      const m = gatherModel({ shape: [2, 3, 4, 4], indices: { dims: [], values: [1] }, axis: 1, opset });
      const out = expectSame(m, [2, 3, 4, 4]);
      const squeeze = out.graph.nodes.find((n) => n.opType === "Squeeze");
      expect(squeeze?.attrs.has("axes")).toBe(true);
      expect(out.graph.nodes.find((n) => n.opType === "Slice")?.attrs.has("starts")).toBe(opset < 10);
    }
  });

  it("lowers along a fixed axis of a dynamic-size input", () => {
    const m = gatherModel({ shape: [1, 4, "h", "w"], indices: { dims: [2], values: [3, 0] }, axis: 1 });
    expect(ops(expectSame(m, [1, 4, 9, 7]))).toEqual(["Slice", "Slice", "Concat"]);
  });

  it("leaves an axis whose size follows the image, 2-D indices and out-of-range indices, saying why", () => {
    const cases: [Model, RegExp][] = [
      [
        gatherModel({ shape: [1, 4, "h", "w"], indices: { dims: [], values: [0] }, axis: 2 }),
        /axis 2 of 'x' changes with the image size/,
      ],
      [gatherModel({ shape: [1, 4, 3, 3], indices: { dims: [2, 1], values: [0, 1] }, axis: 1 }), /rank 2/],
      [gatherModel({ shape: [1, 4, 3, 3], indices: { dims: [1], values: [4] }, axis: 1 }), /index 4 is out of range/],
    ];
    for (const [model, why] of cases) {
      const { out, notes } = lowered(model);
      expect(ops(out)).toEqual(["Gather"]);
      expect(notes).toHaveLength(1);
      expect(notes[0].message).toMatch(/^Gather left as it is: /);
      expect(notes[0].message).toMatch(why);
    }
  });

  it("leaves shape arithmetic (Gather of a Shape) to fold, without a note", () => {
    const m = decodeModel(
      modelBytes({
        inputs: [valueInfo("x", DT.FLOAT, [1, 3, "h", "w"])],
        outputs: [valueInfo("y", DT.FLOAT)],
        nodes: [
          node({ op: "Shape", inputs: ["x"], outputs: ["s"] }),
          node({ op: "Gather", inputs: ["s", "two"], outputs: ["h"], attrs: [{ name: "axis", type: 2, i: 0 }] }),
          node({ op: "Unsqueeze", inputs: ["h", "zero"], outputs: ["h1"] }),
          node({ op: "Concat", inputs: ["one", "h1"], outputs: ["t"], attrs: [{ name: "axis", type: 2, i: 0 }] }),
          node({ op: "Reshape", inputs: ["x", "t"], outputs: ["y"] }),
        ],
        initializers: [
          { name: "two", dims: [], dataType: DT.INT64, int64Data: [2] },
          { name: "zero", dims: [1], dataType: DT.INT64, int64Data: [0] },
          { name: "one", dims: [1], dataType: DT.INT64, int64Data: [-1] },
        ],
        opsets: { "": 17 },
      }),
      { file: "gather.onnx" },
    );
    const { out, notes } = lowered(m);
    expect(ops(out)).toContain("Gather");
    expect(notes).toEqual([]);
  });

  it("leaves no Gather in the plan of an image graph (x[:, :3] * x[:, [5, 4, 3]])", () => {
    const m = gatherModel({
      shape: [1, 6, 4, 4],
      indices: { dims: [3], values: [0, 1, 2] },
      axis: 1,
      extra: [
        node({ op: "Gather", inputs: ["x", "back"], outputs: ["k"], attrs: [{ name: "axis", type: 2, i: 1 }] }),
        node({ op: "Mul", inputs: ["y", "k"], outputs: ["z"] }),
      ],
      initializers: [{ name: "back", dims: [3], dataType: DT.INT64, int64Data: [5, 4, 3] }],
      output: "z",
    });
    const plan = buildPlan(runPipeline(m, "gather.onnx"), "gather.onnx", { name: "gather", sha256: "test" });
    expect(plan.kernels.map((k) => k.kind).sort()).toEqual(["Concat", "Mul", "Slice", "Slice", "Slice", "Slice"]);
  });
});
