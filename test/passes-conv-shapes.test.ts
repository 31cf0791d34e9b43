import { describe, expect, it } from "vitest";
import { Interpreter } from "../compiler/interp/interpreter.js";
import type { Model } from "../compiler/ir/graph.js";
import { Tensor } from "../compiler/ir/tensor.js";
import { decodeModel } from "../compiler/onnx/decode.js";
import type { onnx } from "../compiler/onnx/onnx-proto.js";
import { foldBatchNorm } from "../compiler/passes/fold-batch-norm.js";
import { lowerPixelShuffle } from "../compiler/passes/lower-pixel-shuffle.js";
import type { Pass } from "../compiler/passes/pass.js";
import { PIPELINE, runPipeline } from "../compiler/pipeline.js";
import { DT, floatTensor, modelBytes, node, type Shape, valueInfo } from "./support/onnx-builder.js";
import { rng, uniform } from "./support/random.js";

const ints = (name: string, dims: number[], values: number[]): onnx.ITensorProto => ({
  name,
  dims,
  dataType: DT.INT64,
  int64Data: values,
});
const intAttr = (name: string, i: number) => ({ name, type: 2, i });
const intsAttr = (name: string, values: number[]) => ({ name, type: 7, ints: values });
const op = (type: string, inputs: string[], output: string, attrs?: onnx.IAttributeProto[]) =>
  node({ op: type, inputs, outputs: [output], attrs });

interface Spec {
  readonly inputs: [string, Shape][];
  readonly outputs: string[];
  readonly nodes: onnx.INodeProto[];
  readonly initializers?: onnx.ITensorProto[];
  readonly opset?: number;
}

function build(spec: Spec): Model {
  return decodeModel(
    modelBytes({
      inputs: spec.inputs.map(([n, s]) => valueInfo(n, DT.FLOAT, s)),
      outputs: spec.outputs.map((o) => valueInfo(o, DT.FLOAT)),
      nodes: spec.nodes,
      initializers: spec.initializers ?? [],
      opsets: { "": spec.opset ?? 17 },
    }),
    { file: "conv-shapes.onnx" },
  );
}

const opList = (m: Model) => m.graph.nodes.map((n) => n.opType);

function run(model: Model, shapes: number[][]): Tensor[] {
  const inputs = shapes.map((s, i) =>
    Tensor.from(
      "float32",
      s,
      uniform(
        s.reduce((a, b) => a * b, 1),
        -2,
        2,
        rng(40 + i),
      ),
    ),
  );
  return new Interpreter(model).run(inputs);
}

/** The pass's graph, after checking that it computes what the original does on inputs of `shapes`. */
function rewrite(pass: Pass, model: Model, shapes: number[][], tolerance: "exact" | "rtol"): Model {
  const after = pass.run(model, "conv-shapes.onnx");
  const expected = run(model, shapes);
  const actual = run(after, shapes);
  expect(actual.length).toBe(expected.length);
  actual.forEach((t, i) => {
    expect(t.shape).toEqual(expected[i].shape);
    if (tolerance === "exact") expect(Array.from(t.values)).toEqual(Array.from(expected[i].values));
    else
      t.values.forEach((v, k) => {
        const e = expected[i].values[k];
        expect(Math.abs(v - e)).toBeLessThanOrEqual(1e-5 * Math.abs(e) + 1e-6);
      });
  });
  return after;
}

describe("fold-batch-norm", () => {
  const C = 4;
  const M = 6;
  const bn = (input: string, output: string, prefix = "bn") =>
    node({
      op: "BatchNormalization",
      inputs: [input, `${prefix}.scale`, `${prefix}.B`, `${prefix}.mean`, `${prefix}.var`],
      outputs: [output],
      attrs: [{ name: "epsilon", type: 1, f: 1e-3 }],
    });
  const bnParams = (channels: number, prefix = "bn") => [
    floatTensor(`${prefix}.scale`, [channels], uniform(channels, 0.5, 1.5, rng(1))),
    floatTensor(`${prefix}.B`, [channels], uniform(channels, -0.5, 0.5, rng(2))),
    floatTensor(`${prefix}.mean`, [channels], uniform(channels, -0.3, 0.3, rng(3))),
    floatTensor(`${prefix}.var`, [channels], uniform(channels, 0.05, 2, rng(4))),
  ];
  const weights = (dims: number[]) =>
    floatTensor(
      "w",
      dims,
      uniform(
        dims.reduce((a, b) => a * b, 1),
        -1,
        1,
        rng(5),
      ),
    );

  it("folds into a Conv's weights and bias", () => {
    const model = build({
      inputs: [["x", [1, C, 5, 6]]],
      outputs: ["y"],
      nodes: [op("Conv", ["x", "w", "b"], "c", [intsAttr("pads", [1, 1, 1, 1])]), bn("c", "y")],
      initializers: [weights([M, C, 3, 3]), floatTensor("b", [M], uniform(M, -1, 1, rng(6))), ...bnParams(M)],
    });
    const after = rewrite(foldBatchNorm, model, [[1, C, 5, 6]], "rtol");
    expect(opList(after)).toEqual(["Conv"]);
    expect(after.graph.nodes[0].outputs).toEqual(["y"]);
    // The old weight and the statistics are gone; only the folded weight and bias remain.
    expect(after.graph.initializers.size).toBe(2);
  });

  it("folds into a grouped Conv without a bias", () => {
    const model = build({
      inputs: [["x", [2, C, 4, 4]]],
      outputs: ["y"],
      nodes: [op("Conv", ["x", "w"], "c", [intAttr("group", 2)]), bn("c", "y")],
      initializers: [weights([M, C / 2, 3, 3]), ...bnParams(M)],
    });
    const after = rewrite(foldBatchNorm, model, [[2, C, 4, 4]], "rtol");
    expect(opList(after)).toEqual(["Conv"]);
    expect(after.graph.nodes[0].inputs).toHaveLength(3);
  });

  it("folds into a grouped ConvTranspose (weight [C, M/group, k, k])", () => {
    const model = build({
      inputs: [["x", [1, C, 3, 3]]],
      outputs: ["y"],
      nodes: [op("ConvTranspose", ["x", "w"], "c", [intAttr("group", 2), intsAttr("strides", [2, 2])]), bn("c", "y")],
      initializers: [weights([C, M / 2, 2, 2]), ...bnParams(M)],
    });
    const after = rewrite(foldBatchNorm, model, [[1, C, 3, 3]], "rtol");
    expect(opList(after)).toEqual(["ConvTranspose"]);
  });

  it("leaves a BatchNormalization whose conv output has a second reader", () => {
    const model = build({
      inputs: [["x", [1, C, 4, 4]]],
      outputs: ["y", "r"],
      nodes: [op("Conv", ["x", "w"], "c"), bn("c", "y"), op("Relu", ["c"], "r")],
      initializers: [weights([M, C, 1, 1]), ...bnParams(M)],
    });
    const after = rewrite(foldBatchNorm, model, [[1, C, 4, 4]], "exact");
    expect(opList(after)).toEqual(["Conv", "BatchNormalization", "Relu"]);
  });

  it("leaves a standalone BatchNormalization and one after a conv with a run-time weight", () => {
    const model = build({
      inputs: [
        ["x", [1, C, 4, 4]],
        ["w", [C, C, 1, 1]],
      ],
      outputs: ["y", "z"],
      nodes: [bn("x", "y", "bn1"), op("Conv", ["x", "w"], "c"), bn("c", "z", "bn2")],
      initializers: [...bnParams(C, "bn1"), ...bnParams(C, "bn2")],
    });
    const after = rewrite(
      foldBatchNorm,
      model,
      [
        [1, C, 4, 4],
        [C, C, 1, 1],
      ],
      "exact",
    );
    expect(opList(after)).toEqual(["BatchNormalization", "Conv", "BatchNormalization"]);
  });
});

describe("lower-pixel-shuffle", () => {
  const transpose = (input: string, output: string, perm: number[]) =>
    op("Transpose", [input], output, [intsAttr("perm", perm)]);
  /** Reshape(x, split) -> Transpose(perm) -> Reshape(.., merged) with constant targets. */
  const fixed = (x: Shape, split: number[], perm: number[], merged: number[]): Spec => ({
    inputs: [["x", x]],
    outputs: ["y"],
    nodes: [op("Reshape", ["x", "split"], "s"), transpose("s", "t", perm), op("Reshape", ["t", "merged"], "y")],
    initializers: [ints("split", [6], split), ints("merged", [4], merged)],
  });
  const lowered = (m: Model) => m.graph.nodes.map((n) => `${n.opType} ${[...n.attrs.values()].map((a) => a.value)}`);

  it("lowers the CRD pixel shuffle with constant targets, r = 2", () => {
    const model = build(fixed([1, 8, 3, 5], [1, 2, 2, 2, 3, 5], [0, 1, 4, 2, 5, 3], [1, 2, 6, 10]));
    const after = rewrite(lowerPixelShuffle, model, [[1, 8, 3, 5]], "exact");
    expect(lowered(after)).toEqual(["DepthToSpace 2,CRD"]);
    expect(after.graph.initializers.size).toBe(0);
  });

  it("lowers the DCR form, r = 3, with a -1 and a 0 in the targets", () => {
    const model = build(fixed([1, 18, 2, 3], [0, 3, 3, -1, 2, 3], [0, 3, 4, 1, 5, 2], [1, -1, 6, 9]));
    const after = rewrite(lowerPixelShuffle, model, [[1, 18, 2, 3]], "exact");
    expect(lowered(after)).toEqual(["DepthToSpace 3,DCR"]);
  });

  it("lowers SpaceToDepth's own order (r1, r2, c) but not PyTorch's pixel unshuffle (c, r1, r2)", () => {
    const split = [1, 2, 2, 2, 3, 2];
    const s2d = build(fixed([1, 2, 4, 6], split, [0, 3, 5, 1, 2, 4], [1, 8, 2, 3]));
    expect(lowered(rewrite(lowerPixelShuffle, s2d, [[1, 2, 4, 6]], "exact"))).toEqual(["SpaceToDepth 2"]);
    const unshuffle = build(fixed([1, 2, 4, 6], split, [0, 1, 3, 5, 2, 4], [1, 8, 2, 3]));
    expect(opList(rewrite(lowerPixelShuffle, unshuffle, [[1, 2, 4, 6]], "exact"))).toEqual([
      "Reshape",
      "Transpose",
      "Reshape",
    ]);
  });

  it("leaves a shuffle whose perm swaps the block axes", () => {
    const model = build(fixed([1, 8, 3, 5], [1, 2, 2, 2, 3, 5], [0, 1, 4, 3, 5, 2], [1, 2, 6, 10]));
    expect(opList(rewrite(lowerPixelShuffle, model, [[1, 8, 3, 5]], "exact"))).toEqual([
      "Reshape",
      "Transpose",
      "Reshape",
    ]);
  });

  it("leaves a shuffle whose intermediate value is also a graph output", () => {
    const spec = fixed([1, 8, 3, 5], [1, 2, 2, 2, 3, 5], [0, 1, 4, 2, 5, 3], [1, 2, 6, 10]);
    const model = build({ ...spec, outputs: ["y", "t"] });
    expect(opList(rewrite(lowerPixelShuffle, model, [[1, 8, 3, 5]], "exact"))).toEqual([
      "Reshape",
      "Transpose",
      "Reshape",
    ]);
  });

  interface Dynamic {
    readonly r: number;
    readonly mode: "CRD" | "DCR";
    readonly x: Shape;
    /** The value whose Shape gives h and w ("x" unless testing an unprovable target). */
    readonly spatialOf?: string;
    /** Default-domain opset: below 13 Unsqueeze takes its axes as an attribute. */
    readonly opset?: number;
    /** Gathers h and w with indices -2 and -1. */
    readonly fromBack?: boolean;
    /** Wraps c // (r*r) in a Cast to int64, as some exporters do. */
    readonly cast?: boolean;
    /** Replaces the first target's h entry by a -1. */
    readonly wildcardH?: boolean;
  }

  /**
   * The shape computation a dynamic-size PyTorch export writes for
   * `n, c, h, w = x.shape; x.view(n, c // (r*r), r, r, h, w).permute(perm).reshape(n, c // (r*r), h*r, w*r)`
   * (DCR: view(n, r, r, c // (r*r), h, w)).
   */
  function dynamic({ r, mode, x, spatialOf = "x", opset = 17, fromBack, cast, wildcardH }: Dynamic): Spec {
    const index = (i: number) => (fromBack && i >= 2 ? i - 4 : i);
    const gather = (from: string, i: number, out: string) => op("Gather", [from, `i${index(i)}`], out);
    const unsq = (v: string) =>
      opset >= 13 ? op("Unsqueeze", [v, "axis0"], `${v}_u`) : op("Unsqueeze", [v], `${v}_u`, [intsAttr("axes", [0])]);
    const h = wildcardH ? "minus1" : "h_u";
    const split = mode === "CRD" ? ["n_u", "oc_u", "r", "r", h, "w_u"] : ["n_u", "r", "r", "oc_u", h, "w_u"];
    const perm = mode === "CRD" ? [0, 1, 4, 2, 5, 3] : [0, 3, 4, 1, 5, 2];
    const extra = spatialOf !== "x";
    return {
      inputs: extra
        ? [
            ["x", x],
            [spatialOf, x],
          ]
        : [["x", x]],
      outputs: extra ? ["y", "other"] : ["y"],
      nodes: [
        op("Shape", ["x"], "shape"),
        op("Shape", [spatialOf], "spatial"),
        gather("shape", 0, "n"),
        gather("shape", 1, "c"),
        gather("spatial", 2, "h"),
        gather("spatial", 3, "w"),
        ...(cast
          ? [op("Div", ["c", "rr"], "oc_div"), op("Cast", ["oc_div"], "oc", [intAttr("to", DT.INT64)])]
          : [op("Div", ["c", "rr"], "oc")]),
        op("Mul", ["h", "rs"], "hr"),
        op("Mul", ["w", "rs"], "wr"),
        ...["n", "oc", ...(wildcardH ? [] : ["h"]), "w", "hr", "wr"].map(unsq),
        op("Concat", split, "split", [intAttr("axis", 0)]),
        op("Concat", ["n_u", "oc_u", "hr_u", "wr_u"], "merged", [intAttr("axis", 0)]),
        op("Reshape", ["x", "split"], "s"),
        transpose("s", "t", perm),
        op("Reshape", ["t", "merged"], "y"),
        ...(extra ? [op("Relu", [spatialOf], "other")] : []),
      ],
      initializers: [
        ...[0, 1, index(2), index(3)].map((i) => ints(`i${i}`, [], [i])),
        ints("rr", [], [r * r]),
        ints("rs", [], [r]),
        ints("r", [1], [r]),
        ints("axis0", [1], [0]),
        ints("minus1", [1], [-1]),
      ],
      opset,
    };
  }

  it("lowers a dynamic-size export (Shape -> Gather -> Div/Mul -> Unsqueeze -> Concat), CRD r = 2", () => {
    const model = build(dynamic({ r: 2, mode: "CRD", x: ["N", 8, "H", "W"] }));
    const after = rewrite(lowerPixelShuffle, model, [[2, 8, 3, 5]], "exact");
    expect(lowered(after)).toEqual(["DepthToSpace 2,CRD"]);
    expect(after.graph.initializers.size).toBe(0);
  });

  it("lowers a dynamic-size export, DCR r = 3, with fully symbolic dims", () => {
    const model = build(dynamic({ r: 3, mode: "DCR", x: ["N", "C", "H", "W"], cast: true }));
    const after = rewrite(lowerPixelShuffle, model, [[1, 18, 2, 4]], "exact");
    expect(lowered(after)).toEqual(["DepthToSpace 3,DCR"]);
  });

  it("lowers an opset-11 export (Unsqueeze axes attribute, Gather from the back)", () => {
    const model = build(dynamic({ r: 2, mode: "CRD", x: [1, 8, "H", "W"], opset: 11, fromBack: true }));
    const after = rewrite(lowerPixelShuffle, model, [[1, 8, 4, 3]], "exact");
    expect(lowered(after)).toEqual(["DepthToSpace 2,CRD"]);
  });

  it("lowers a -1 next to exact entries, not next to a floored c // (r*r)", () => {
    const exact = build(dynamic({ r: 2, mode: "CRD", x: [1, 8, "H", "W"], wildcardH: true }));
    expect(lowered(rewrite(lowerPixelShuffle, exact, [[1, 8, 3, 5]], "exact"))).toEqual(["DepthToSpace 2,CRD"]);
    const floored = build(dynamic({ r: 2, mode: "CRD", x: [1, "C", "H", "W"], wildcardH: true }));
    expect(opList(rewrite(lowerPixelShuffle, floored, [[1, 8, 3, 5]], "exact"))).toEqual(opList(floored));
  });

  it("lowers only DCR before opset 11, where DepthToSpace has no mode", () => {
    const dcr = build({ ...fixed([1, 8, 3, 5], [1, 2, 2, 2, 3, 5], [0, 3, 4, 1, 5, 2], [1, 2, 6, 10]), opset: 10 });
    expect(lowered(rewrite(lowerPixelShuffle, dcr, [[1, 8, 3, 5]], "exact"))).toEqual(["DepthToSpace 2"]);
    const crd = build({ ...fixed([1, 8, 3, 5], [1, 2, 2, 2, 3, 5], [0, 1, 4, 2, 5, 3], [1, 2, 6, 10]), opset: 10 });
    expect(opList(rewrite(lowerPixelShuffle, crd, [[1, 8, 3, 5]], "exact"))).toEqual(opList(crd));
  });

  it("lowers a Shape-computed target of a fixed-size graph (shape inference folds it)", () => {
    const model = build(dynamic({ r: 2, mode: "CRD", x: [1, 8, 3, 5] }));
    expect(lowered(rewrite(lowerPixelShuffle, model, [[1, 8, 3, 5]], "exact"))).toEqual(["DepthToSpace 2,CRD"]);
  });

  it("leaves a dynamic target whose spatial sizes come from another tensor's Shape", () => {
    const model = build(dynamic({ r: 2, mode: "CRD", x: [1, 8, "H", "W"], spatialOf: "z" }));
    const after = rewrite(
      lowerPixelShuffle,
      model,
      [
        [1, 8, 3, 5],
        [1, 8, 3, 5],
      ],
      "exact",
    );
    expect(opList(after)).toEqual(opList(model));
  });

  it("runs in the pipeline after fold-constants", () => {
    const names = PIPELINE.map((p) => p.name);
    expect(names.indexOf("lower-pixel-shuffle")).toBeGreaterThan(names.indexOf("fold-constants"));
    expect(names.indexOf("fold-batch-norm")).toBeGreaterThan(names.indexOf("fold-constants"));
    const model = build(dynamic({ r: 2, mode: "DCR", x: [1, 8, "H", "W"] }));
    const compiled = runPipeline(model, "conv-shapes.onnx");
    expect(lowered(compiled)).toEqual(["DepthToSpace 2,DCR"]);
    expect(run(compiled, [[1, 8, 3, 5]])[0].values).toEqual(run(model, [[1, 8, 3, 5]])[0].values);
  });
});
