import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Interpreter } from "../compiler/interp/interpreter.js";
import type { Model, Node } from "../compiler/ir/graph.js";
import { Tensor } from "../compiler/ir/tensor.js";
import { decodeModel, readModelFile } from "../compiler/onnx/decode.js";
import type { onnx } from "../compiler/onnx/onnx-proto.js";
import { fuseEpilogue } from "../compiler/passes/fuse-epilogue.js";
import { PIPELINE } from "../compiler/pipeline.js";
import { buildPlan } from "../compiler/plan/build-plan.js";
import { DT, floatTensor, modelBytes, node, valueInfo } from "./support/onnx-builder.js";
import { rng, uniform } from "./support/random.js";

const Q = "ai.qmambair";
const intAttr = (name: string, i: number) => ({ name, type: 2, i });
const scalar = (name: string, v: number) => floatTensor(name, [], [v]);

/** The pipeline with and without fuse-epilogue. */
function compile(model: Model, file: string): { fused: Model; unfused: Model } {
  let fused = model;
  let unfused = model;
  for (const pass of PIPELINE) {
    fused = pass.run(fused, file);
    if (pass !== fuseEpilogue) unfused = pass.run(unfused, file);
  }
  return { fused, unfused };
}

/** Every output of the fused graph equals the unfused graph's bit for bit on the reference interpreter. */
function expectSameReference(fused: Model, unfused: Model, inputs: Tensor[]): void {
  const a = new Interpreter(fused).run(inputs);
  const b = new Interpreter(unfused).run(inputs);
  expect(a.length).toBe(b.length);
  a.forEach((t, i) => {
    expect(t.shape).toEqual(b[i].shape);
    expect(Buffer.from((t.values as Float32Array).buffer)).toEqual(Buffer.from((b[i].values as Float32Array).buffer));
  });
}

const histogram = (m: Model) => {
  const h: Record<string, number> = {};
  for (const n of m.graph.nodes) h[`${n.domain}.${n.opType}`] = (h[`${n.domain}.${n.opType}`] ?? 0) + 1;
  return h;
};

const kernels = (m: Model) => m.graph.nodes.filter((n) => n.domain === "qmc" && n.opType !== "QSelectiveScan");
const program = (n: Node) => {
  const a = n.attrs.get("epilogue");
  return a?.type === "strings" ? a.value : undefined;
};

const M = 4;
const [H, W] = [4, 5];

/** An RfaQuant-ed weight (4 bits) and its parameters. */
function rfa(prefix: string, dims: number[], seed: number): onnx.ITensorProto[] {
  const n = dims.reduce((a, b) => a * b, 1);
  return [
    floatTensor(`${prefix}.w`, dims, uniform(n, -0.6, 0.6, rng(seed))),
    scalar(`${prefix}.alpha`, 0.11),
    scalar(`${prefix}.beta`, 0.013),
    floatTensor(
      `${prefix}.a`,
      [16],
      Array.from({ length: 16 }, (_, i) => i - 8),
    ),
  ];
}

const quantizer = (input: string, output: string) =>
  node({
    op: "ActQuant",
    domain: Q,
    inputs: [input, "act.alpha", "act.beta"],
    outputs: [output],
    attrs: [intAttr("bits", 4), intAttr("signed", 1)],
  });
const weight = (prefix: string) =>
  node({
    op: "RfaQuant",
    domain: Q,
    inputs: [`${prefix}.w`, `${prefix}.alpha`, `${prefix}.beta`, `${prefix}.a`],
    outputs: [`${prefix}.wq`],
    attrs: [intAttr("bits", 4)],
  });

interface Tail {
  readonly nodes: onnx.INodeProto[];
  readonly outputs: string[];
  readonly initializers?: onnx.ITensorProto[];
  /** Extra graph inputs, with their shapes. */
  readonly inputs?: [string, number[]][];
}

/**
 * x [1, 3, H, W] -> ActQuant -> Conv 3x3 pad 1 with an RfaQuant-ed weight and a bias -> "c"
 * [1, M, H, W], then the tail's ops.
 */
function convModel(tail: Tail): Model {
  return decodeModel(
    modelBytes({
      opsets: { "": 17, [Q]: 1 },
      inputs: [
        valueInfo("x", DT.FLOAT, [1, 3, H, W]),
        ...(tail.inputs ?? []).map(([n, s]) => valueInfo(n, DT.FLOAT, s)),
      ],
      outputs: tail.outputs.map((o) => valueInfo(o, DT.FLOAT)),
      initializers: [
        ...rfa("conv", [M, 3, 3, 3], 1),
        floatTensor("conv.bias", [M], uniform(M, -0.2, 0.2, rng(2))),
        scalar("act.alpha", 0.07),
        scalar("act.beta", 0.031),
        ...(tail.initializers ?? []),
      ],
      nodes: [
        quantizer("x", "xq"),
        weight("conv"),
        node({
          op: "Conv",
          name: "conv",
          inputs: ["xq", "conv.wq", "conv.bias"],
          outputs: ["c"],
          attrs: [{ name: "pads", type: 7, ints: [1, 1, 1, 1] }],
        }),
        ...tail.nodes,
      ],
    }),
    { file: "conv.onnx" },
  );
}

const op = (type: string, inputs: string[], output: string) => node({ op: type, inputs, outputs: [output] });

function inputsOf(model: Model): Tensor[] {
  return model.graph.inputs.map((v, i) => {
    const shape = v.type.shape as number[];
    const n = shape.reduce((a, b) => a * b, 1);
    return Tensor.from("float32", shape, uniform(n, -1.5, 1.5, rng(10 + i)));
  });
}

describe("fuse-epilogue on hand-built graphs", () => {
  it("takes in SiLU: x * sigmoid(x) reads the conv's output twice", () => {
    const model = convModel({ nodes: [op("Sigmoid", ["c"], "s"), op("Mul", ["c", "s"], "y")], outputs: ["y"] });
    const { fused, unfused } = compile(model, "silu.onnx");
    expect(histogram(fused)).toEqual({ "qmc.QConv": 1 });
    expect(program(kernels(fused)[0])).toEqual(["sigmoid y", "mul y t0"]);
    expect(kernels(fused)[0].outputs).toEqual(["y"]);
    expectSameReference(fused, unfused, inputsOf(model));
  });

  it("takes in GELU in its Erf form, with its scalar constants", () => {
    const model = convModel({
      nodes: [
        op("Div", ["c", "sqrt2"], "d"),
        op("Erf", ["d"], "e"),
        op("Add", ["e", "one"], "a"),
        op("Mul", ["c", "a"], "m"),
        op("Mul", ["m", "half"], "y"),
      ],
      outputs: ["y"],
      initializers: [scalar("sqrt2", Math.SQRT2), scalar("one", 1), scalar("half", 0.5)],
    });
    const { fused, unfused } = compile(model, "gelu.onnx");
    expect(histogram(fused)).toEqual({ "qmc.QConv": 1 });
    const k = kernels(fused)[0];
    expect(program(k)).toEqual(["div y c0", "erf t0", "add t1 c1", "mul y t2", "mul t3 c2"]);
    expect(k.attrs.get("epilogue_constants")).toEqual({ type: "floats", value: [Math.fround(Math.SQRT2), 1, 0.5] });
    expectSameReference(fused, unfused, inputsOf(model));
  });

  it("takes in Relu, a per-channel scale and a scalar shift (constant first kept first)", () => {
    const model = convModel({
      nodes: [op("Relu", ["c"], "r"), op("Mul", ["scale", "r"], "m"), op("Sub", ["shift", "m"], "y")],
      outputs: ["y"],
      initializers: [floatTensor("scale", [1, M, 1, 1], [0.5, -1, 2, 3]), floatTensor("shift", [1], [0.25])],
    });
    const { fused, unfused } = compile(model, "affine.onnx");
    expect(histogram(fused)).toEqual({ "qmc.QConv": 1 });
    const k = kernels(fused)[0];
    expect(program(k)).toEqual(["relu y", "mul c0 t0", "sub c1 t1"]);
    expect(k.attrs.get("epilogue_constant_sizes")).toEqual({ type: "ints", value: [M, 1] });
    expectSameReference(fused, unfused, inputsOf(model));
  });

  it("takes in a residual of the output's shape, and leaves it out when it would broadcast", () => {
    const model = convModel({
      nodes: [op("Add", ["c", "z"], "y"), op("Add", ["c", "zb"], "y2")],
      outputs: ["y", "y2"],
      inputs: [
        ["z", [1, M, H, W]],
        ["zb", [1, M, 1, W]],
      ],
    });
    const { fused, unfused } = compile(model, "residual.onnx");
    // c is read by both Adds: the broadcast one cannot join, so c stays the kernel's output.
    expect(histogram(fused)).toEqual({ "qmc.QConv": 1, "ai.onnx.Add": 2 });
    expectSameReference(fused, unfused, inputsOf(model));

    const single = convModel({ nodes: [op("Add", ["zb", "c"], "y")], outputs: ["y"], inputs: [["zb", [1, M, 1, W]]] });
    expect(histogram(compile(single, "broadcast.onnx").fused)).toEqual({ "qmc.QConv": 1, "ai.onnx.Add": 1 });

    const exact = convModel({ nodes: [op("Add", ["z", "c"], "y")], outputs: ["y"], inputs: [["z", [1, M, H, W]]] });
    const r = compile(exact, "exact.onnx");
    expect(histogram(r.fused)).toEqual({ "qmc.QConv": 1 });
    // QConv's residual is input 3, after the bias.
    expect(kernels(r.fused)[0].inputs.slice(2)).toEqual(["conv.bias", "z"]);
    expect(program(kernels(r.fused)[0])).toEqual(["add r y"]);
    expectSameReference(r.fused, r.unfused, inputsOf(exact));
  });

  it("stops before a value read outside the chain (the one-consumer rule)", () => {
    const model = convModel({
      nodes: [
        op("Sigmoid", ["c"], "s"),
        op("Mul", ["c", "s"], "y"),
        node({
          op: "Transpose",
          inputs: ["c"],
          outputs: ["t"],
          attrs: [{ name: "perm", type: 7, ints: [0, 2, 3, 1] }],
        }),
      ],
      outputs: ["y", "t"],
    });
    const { fused, unfused } = compile(model, "shared.onnx");
    expect(histogram(fused)).toEqual({
      "qmc.QConv": 1,
      "ai.onnx.Sigmoid": 1,
      "ai.onnx.Mul": 1,
      "ai.onnx.Transpose": 1,
    });
    expect(program(kernels(fused)[0])).toBeUndefined();
    expectSameReference(fused, unfused, inputsOf(model));
  });

  it("never keeps a graph output inside: it may only end the chain", () => {
    const model = convModel({
      nodes: [op("Relu", ["c"], "r"), op("Mul", ["r", "two"], "y")],
      outputs: ["r", "y"],
      initializers: [scalar("two", 2)],
    });
    const { fused, unfused } = compile(model, "outputs.onnx");
    expect(histogram(fused)).toEqual({ "qmc.QConv": 1, "ai.onnx.Mul": 1 });
    expect(program(kernels(fused)[0])).toEqual(["relu y"]);
    expect(kernels(fused)[0].outputs).toEqual(["r"]);
    expectSameReference(fused, unfused, inputsOf(model));
  });

  it("leaves out constants that broadcast along other axes, and Tanh (not bit-exact on the targets)", () => {
    const model = convModel({
      nodes: [op("Mul", ["c", "spatial"], "y"), op("Tanh", ["c"], "t")],
      outputs: ["y", "t"],
      initializers: [floatTensor("spatial", [1, 1, H, W], uniform(H * W, -1, 1, rng(3)))],
    });
    const { fused } = compile(model, "spatial.onnx");
    expect(histogram(fused)).toEqual({ "qmc.QConv": 1, "ai.onnx.Mul": 1, "ai.onnx.Tanh": 1 });
  });

  /** tokens [1, 6, 4] -> ActQuant -> MatMul with an RfaQuant-ed [4, 4] weight (as torch's Linear) -> "o". */
  function linearModel(tail: Tail): Model {
    return decodeModel(
      modelBytes({
        opsets: { "": 17, [Q]: 1 },
        inputs: [valueInfo("x", DT.FLOAT, [1, 6, 4])],
        outputs: tail.outputs.map((o) => valueInfo(o, DT.FLOAT)),
        initializers: [
          ...rfa("lin", [4, 4], 4),
          scalar("act.alpha", 0.07),
          scalar("act.beta", 0.031),
          ...(tail.initializers ?? []),
        ],
        nodes: [
          quantizer("x", "xq"),
          weight("lin"),
          node({
            op: "Transpose",
            inputs: ["lin.wq"],
            outputs: ["lin.wt"],
            attrs: [{ name: "perm", type: 7, ints: [1, 0] }],
          }),
          node({ op: "MatMul", name: "lin", inputs: ["xq", "lin.wt"], outputs: ["o"] }),
          ...tail.nodes,
        ],
      }),
      { file: "linear.onnx" },
    );
  }

  it("takes in a skip-scaled residual: x * skip_scale + linear(x), the Mul read by the Add alone", () => {
    const model = linearModel({
      nodes: [op("Mul", ["x", "skip"], "xs"), op("Add", ["xs", "o"], "y")],
      outputs: ["y"],
      initializers: [floatTensor("skip", [4], [0.9, 1.1, -0.5, 2])],
    });
    const { fused, unfused } = compile(model, "skip.onnx");
    expect(histogram(fused)).toEqual({ "qmc.QMatMul": 1 });
    const k = kernels(fused)[0];
    expect(program(k)).toEqual(["mul r c0", "add t0 y"]);
    expect(k.inputs[2]).toBe("x");
    expectSameReference(fused, unfused, inputsOf(model));

    // Read elsewhere too, the Mul stays and its output is the residual.
    const shared = linearModel({
      nodes: [op("Mul", ["x", "skip"], "xs"), op("Add", ["xs", "o"], "y")],
      outputs: ["y", "xs"],
      initializers: [floatTensor("skip", [4], [0.9, 1.1, -0.5, 2])],
    });
    const r = compile(shared, "skip-shared.onnx");
    expect(program(kernels(r.fused)[0])).toEqual(["add r y"]);
    expect(kernels(r.fused)[0].inputs[2]).toBe("xs");
    expectSameReference(r.fused, r.unfused, inputsOf(shared));
  });

  it("reads constants along the output channel axis of X @ W (the last), not along the rows", () => {
    const model = linearModel({
      nodes: [op("Mul", ["o", "cols"], "y"), op("Mul", ["o", "rows"], "y2")],
      outputs: ["y", "y2"],
      initializers: [floatTensor("cols", [4], [1, 2, 3, 4]), floatTensor("rows", [6, 1], [1, 2, 3, 4, 5, 6])],
    });
    const { fused } = compile(model, "axes.onnx");
    expect(histogram(fused)["ai.onnx.Mul"]).toBe(2);
    const only = linearModel({
      nodes: [op("Mul", ["o", "cols"], "y")],
      outputs: ["y"],
      initializers: [floatTensor("cols", [4], [1, 2, 3, 4])],
    });
    const r = compile(only, "cols.onnx");
    expect(program(kernels(r.fused)[0])).toEqual(["mul y c0"]);
    expectSameReference(r.fused, r.unfused, inputsOf(only));
  });
});

const TINY = join(import.meta.dirname, "..", "samples", "models", "qmambair-tiny-sr2-w4a4", "model.onnx");

describe.runIf(existsSync(TINY))("fuse-epilogue on qmambair-tiny-sr2-w4a4", () => {
  const model = readModelFile(TINY);
  const { fused, unfused } = compile(model, TINY);

  it("keeps the reference output bit for bit", () => {
    const x = Tensor.from("float32", [1, 3, 12, 10], uniform(360, 0, 1, rng(4)));
    expectSameReference(fused, unfused, [x]);
  });

  it("takes in SiLU, GELU and the skip-scaled residual of every block: 36 fewer kernels", () => {
    const source = { name: "tiny", sha256: "0".repeat(64) };
    const before = buildPlan(unfused, TINY, source).kernels.length;
    const after = buildPlan(fused, TINY, source).kernels;
    // 4 blocks, each: SS2D's depthwise conv + SiLU (2 ops), CAB's conv + GELU (5 ops), out_proj + skip-scaled residual (2).
    expect(before - after.length).toBe(36);
    const arithmetic = after.filter((k) => k.arithmetic.includes("epilogue (")).map((k) => k.arithmetic);
    expect(new Set(arithmetic)).toEqual(
      new Set([
        "int4 x int4 -> int32 (act input), f32 epilogue (bias)",
        "int4 x int4 -> int32 (act input), f32 epilogue (bias, silu)",
        "int4 x int4 -> int32 (act input), f32 epilogue (bias, gelu)",
        "int4 x int4 -> int32 (dls input), f32 epilogue (residual*skip)",
      ]),
    );
  });
});
