import { describe, expect, it } from "vitest";
import { Interpreter } from "../compiler/interp/interpreter.js";
import type { Model } from "../compiler/ir/graph.js";
import { Tensor } from "../compiler/ir/tensor.js";
import { decodeModel } from "../compiler/onnx/decode.js";
import { runPipeline } from "../compiler/pipeline.js";
import { DT, floatTensor, modelBytes, node, valueInfo } from "./support/onnx-builder.js";
import { rng, uniform } from "./support/random.js";

const Q = "ai.qmambair";
const intAttr = (name: string, i: number) => ({ name, type: 2, i });
const scalar = (name: string, v: number) => ({ name, dims: [], dataType: DT.FLOAT, floatData: [v] });

/**
 * A miniature SS2D-shaped graph with every quantized construct of the profile: an ActQuant-ed
 * Linear (RfaQuant weight behind a Transpose), an ActQuant-ed depthwise 3x3 conv with beta != 0
 * (the zero-padding pitfall), a DlsQuant-ed Linear, and a SelectiveScan whose delta is DlsQuant-ed.
 */
function miniModel(bits: number): Model {
  const r = rng(7 + bits);
  const C = 4;
  const E = 4;
  const N = 3;
  const levels = 2 ** bits;
  const points = Array.from({ length: levels }, (_, i) => i - levels / 2 + (i % 2 ? 0.2 : -0.15));
  const rfa = (prefix: string, dims: number[], n: number) => [
    floatTensor(`${prefix}.w`, dims, uniform(n, -0.6, 0.6, r)),
    scalar(`${prefix}.alpha`, 0.11),
    scalar(`${prefix}.beta`, 0.013),
    floatTensor(`${prefix}.a`, [levels], points),
  ];
  const dlsW = (name: string) => floatTensor(name, [8], [0, 3 / (2 ** (bits - 1) - 1), 0, 0, -1, 0, 0, 0]);
  /** A signed `bits`-bit activation quantizer (ActQuant or DlsQuant) of inputs[0]. */
  const quantize = (op: "ActQuant" | "DlsQuant", inputs: string[], output: string) =>
    node({ op, domain: Q, inputs, outputs: [output], attrs: [intAttr("bits", bits), intAttr("signed", 1)] });
  /** RfaQuant of the weight that rfa(prefix) made, into `${prefix}.wq`. */
  const rfaQuant = (prefix: string) =>
    node({
      op: "RfaQuant",
      domain: Q,
      inputs: [`${prefix}.w`, `${prefix}.alpha`, `${prefix}.beta`, `${prefix}.a`],
      outputs: [`${prefix}.wq`],
      attrs: [intAttr("bits", bits)],
    });
  /** A Linear's quantized [out, in] weight, transposed into `${prefix}.wt` for MatMul. */
  const linearWeight = (prefix: string) => [
    rfaQuant(prefix),
    node({
      op: "Transpose",
      inputs: [`${prefix}.wq`],
      outputs: [`${prefix}.wt`],
      attrs: [{ name: "perm", type: 7, ints: [1, 0] }],
    }),
  ];
  const bytes = modelBytes({
    opsets: { "": 17, [Q]: 1 },
    inputs: [valueInfo("x", DT.FLOAT, [1, C, 2, 3])],
    outputs: [valueInfo("y", DT.FLOAT, [1, E, 6]), valueInfo("z", DT.FLOAT, [1, C, 2, 3])],
    initializers: [
      ...rfa("in_proj", [E, C], E * C),
      ...rfa("dw", [C, 1, 3, 3], C * 9),
      ...rfa("out_proj", [C, E], C * E),
      scalar("act.alpha", 0.07),
      scalar("act.beta", 0.031),
      floatTensor("dw.bias", [C], uniform(C, -0.1, 0.1, r)),
      dlsW("dls.w"),
      dlsW("delta.w"),
      floatTensor("A", [E, N], uniform(E * N, -1.5, -0.2, r)),
      floatTensor("B", [1, 1, N, 6], uniform(N * 6, -1, 1, r)),
      floatTensor("C", [1, 1, N, 6], uniform(N * 6, -1, 1, r)),
      floatTensor("D", [E], uniform(E, 0.5, 1.5, r)),
      floatTensor("db", [E], uniform(E, -2, 0, r)),
      { name: "flat", dims: [3], dataType: DT.INT64, int64Data: [1, C, -1] },
    ],
    nodes: [
      // Depthwise conv on ActQuant-ed input, RfaQuant-ed weight.
      quantize("ActQuant", ["x", "act.alpha", "act.beta"], "xq"),
      rfaQuant("dw"),
      node({
        op: "Conv",
        name: "dwconv",
        inputs: ["xq", "dw.wq", "dw.bias"],
        outputs: ["z"],
        attrs: [intAttr("group", C), { name: "pads", type: 7, ints: [1, 1, 1, 1] }],
      }),
      // Linear: tokens (1, L, C) @ W^T with ActQuant-ed input.
      node({ op: "Reshape", inputs: ["z", "flat"], outputs: ["zf"] }),
      node({ op: "Transpose", inputs: ["zf"], outputs: ["tok"], attrs: [{ name: "perm", type: 7, ints: [0, 2, 1] }] }),
      quantize("ActQuant", ["tok", "act.alpha", "act.beta"], "tokq"),
      ...linearWeight("in_proj"),
      node({ op: "MatMul", name: "in_proj", inputs: ["tokq", "in_proj.wt"], outputs: ["h"] }),
      // DlsQuant-ed Linear back to C, then the scan over its first 6 tokens as delta.
      quantize("DlsQuant", ["h", "dls.w"], "hq"),
      ...linearWeight("out_proj"),
      node({ op: "MatMul", name: "out_proj", inputs: ["hq", "out_proj.wt"], outputs: ["o"] }),
      node({ op: "Transpose", inputs: ["o"], outputs: ["u"], attrs: [{ name: "perm", type: 7, ints: [0, 2, 1] }] }),
      quantize("DlsQuant", ["u", "delta.w"], "uq"),
      node({
        op: "SelectiveScan",
        domain: Q,
        name: "scan",
        inputs: ["u", "uq", "A", "B", "C", "D", "db"],
        outputs: ["y"],
      }),
    ],
  });
  return decodeModel(bytes, { file: "mini.onnx" });
}

const histogram = (m: Model) => {
  const h: Record<string, number> = {};
  for (const n of m.graph.nodes) h[`${n.domain}.${n.opType}`] = (h[`${n.domain}.${n.opType}`] ?? 0) + 1;
  return h;
};

describe("the pass pipeline on a miniature quantized SS2D graph", () => {
  it.each([2, 4, 8])("%d bits: keeps the reference outputs and lowers every quantized product", (bits) => {
    const model = miniModel(bits);
    const compiled = runPipeline(model, "mini.onnx");
    const h = histogram(compiled);
    expect(h["qmc.QMatMul"]).toBe(2);
    expect(h["qmc.QConv"]).toBe(1);
    expect(h["qmc.QSelectiveScan"]).toBe(1);
    expect(h["ai.qmambair.RfaQuant"]).toBeUndefined();
    expect(h["qmc.DequantizeCodes"]).toBeUndefined();
    const x = Tensor.from("float32", [1, 4, 2, 3], uniform(24, -1, 1, rng(bits)));
    const expected = new Interpreter(model).run([x]);
    const actual = new Interpreter(compiled).run([x]);
    for (let o = 0; o < expected.length; o++) {
      const e = expected[o].values;
      const a = actual[o].values;
      const scale = Math.max(...Array.from(e, Math.abs));
      for (let i = 0; i < e.length; i++) expect(Math.abs(a[i] - e[i])).toBeLessThanOrEqual(1e-5 * scale);
    }
  });
});

describe("standard QDQ graphs fold the same way", () => {
  it.each(["int8", "uint8"] as const)("a plain conv SR layer with %s per-channel weights becomes a QConv", (wType) => {
    const r = rng(3);
    const [O, I] = [3, 2];
    const wData = Array.from({ length: O * I * 9 }, () => Math.floor(r() * 255) - (wType === "int8" ? 128 : 0));
    const wProto =
      wType === "int8"
        ? { name: "wq", dims: [O, I, 3, 3], dataType: DT.INT8, int32Data: wData }
        : { name: "wq", dims: [O, I, 3, 3], dataType: DT.UINT8, int32Data: wData };
    const zp =
      wType === "int8"
        ? { name: "wz", dims: [O], dataType: DT.INT8, int32Data: [0, 1, -2] }
        : { name: "wz", dims: [O], dataType: DT.UINT8, int32Data: [128, 120, 131] };
    const bytes = modelBytes({
      opsets: { "": 17 },
      inputs: [valueInfo("x", DT.FLOAT, [1, I, 5, 4])],
      outputs: [valueInfo("y", DT.FLOAT, [1, O, 5, 4])],
      initializers: [
        wProto,
        zp,
        floatTensor("ws", [O], [0.01, 0.02, 0.015]),
        floatTensor("xs", [], [0.02]),
        { name: "xz", dims: [], dataType: DT.UINT8, int32Data: [100] },
        floatTensor("b", [O], [0.1, -0.2, 0.3]),
      ],
      nodes: [
        node({ op: "QuantizeLinear", inputs: ["x", "xs", "xz"], outputs: ["xq"] }),
        node({ op: "DequantizeLinear", inputs: ["xq", "xs", "xz"], outputs: ["xd"] }),
        node({
          op: "DequantizeLinear",
          inputs: ["wq", "ws", "wz"],
          outputs: ["wd"],
          attrs: [{ name: "axis", type: 2, i: 0 }],
        }),
        node({
          op: "Conv",
          name: "conv",
          inputs: ["xd", "wd", "b"],
          outputs: ["y"],
          attrs: [{ name: "pads", type: 7, ints: [1, 1, 1, 1] }],
        }),
      ],
    });
    const model = decodeModel(bytes, { file: "qdq.onnx" });
    const compiled = runPipeline(model, "qdq.onnx");
    expect(histogram(compiled)).toEqual({ "qmc.QConv": 1 });
    const x = Tensor.from("float32", [1, I, 5, 4], uniform(I * 20, -1.5, 3, rng(5)));
    const e = new Interpreter(model).run([x])[0].values;
    const a = new Interpreter(compiled).run([x])[0].values;
    for (let i = 0; i < e.length; i++) expect(Math.abs(a[i] - e[i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(e[i])));
  });
});
