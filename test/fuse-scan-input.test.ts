import { describe, expect, it } from "vitest";
import { Interpreter } from "../compiler/interp/interpreter.js";
import type { Model } from "../compiler/ir/graph.js";
import { Tensor } from "../compiler/ir/tensor.js";
import { decodeModel } from "../compiler/onnx/decode.js";
import { fuseScanInput } from "../compiler/passes/fuse-scan-input.js";
import { PIPELINE } from "../compiler/pipeline.js";
import { DT, floatTensor, modelBytes, node, valueInfo } from "./support/onnx-builder.js";
import { rng, uniform } from "./support/random.js";

const Q = "ai.qmambair";
const [E, G, N, L] = [6, 2, 3, 9];
const intAttr = (name: string, i: number) => ({ name, type: 2, i });

/**
 * A SelectiveScan whose u, delta, B and C are DlsQuant-ed (4 bits, signed; C 3 bits, unsigned); with
 * `uOutput`, the quantized u is also a graph output, so the scan is not its only reader.
 */
function scanModel(uOutput: boolean): Model {
  const r = rng(11);
  const dls = (input: string, output: string, w: string, bits = 4, signed = 1) =>
    node({
      op: "DlsQuant",
      domain: Q,
      inputs: [input, w],
      outputs: [output],
      attrs: [intAttr("bits", bits), intAttr("signed", signed)],
    });
  const bytes = modelBytes({
    opsets: { "": 17, [Q]: 1 },
    inputs: [
      valueInfo("u", DT.FLOAT, [1, E, L]),
      valueInfo("delta", DT.FLOAT, [1, E, L]),
      valueInfo("B", DT.FLOAT, [1, G, N, L]),
      valueInfo("C", DT.FLOAT, [1, G, N, L]),
    ],
    outputs: [valueInfo("y", DT.FLOAT, [1, E, L]), ...(uOutput ? [valueInfo("uq", DT.FLOAT, [1, E, L])] : [])],
    initializers: [
      floatTensor("u.w", [8], [0, 2 / 7, 0, 0, -1, 0.05, 0, 0]),
      floatTensor("delta.w", [8], [0, 3 / 7, 0, 0, -1, 0, 0, 0]),
      floatTensor("B.w", [8], [0, 1 / 3, 0, 0.02, -1, -0.03, 0, 0]),
      floatTensor("C.w", [8], [0.1, 1 / 4, 0, 0, -1, 0, 0, 0]),
      floatTensor("A", [E, N], uniform(E * N, -1.5, -0.2, r)),
      floatTensor("D", [E], uniform(E, 0.5, 1.5, r)),
      floatTensor("db", [E], uniform(E, -2, 0, r)),
    ],
    nodes: [
      dls("u", "uq", "u.w"),
      dls("delta", "dq", "delta.w"),
      dls("B", "bq", "B.w"),
      dls("C", "cq", "C.w", 3, 0),
      node({
        op: "SelectiveScan",
        domain: Q,
        name: "scan",
        inputs: ["uq", "dq", "A", "bq", "cq", "D", "db"],
        outputs: ["y"],
      }),
    ],
  });
  return decodeModel(bytes, { file: "scan.onnx" });
}

/** The pipeline, and the pipeline without fuse-scan-input. */
function compile(model: Model): { fused: Model; unfused: Model } {
  let fused = model;
  let unfused = model;
  for (const pass of PIPELINE) {
    fused = pass.run(fused, "scan.onnx");
    if (pass !== fuseScanInput) unfused = pass.run(unfused, "scan.onnx");
  }
  return { fused, unfused };
}

const scans = (m: Model) => m.graph.nodes.filter((n) => n.opType === "QSelectiveScan");
const dlsCount = (m: Model) => m.graph.nodes.filter((n) => n.opType === "DlsQuant").length;

describe("fuse-scan-input", () => {
  it("folds the scan's DlsQuant-ed u, B and C into the scan, with the reference's outputs bit for bit", () => {
    const { fused, unfused } = compile(scanModel(false));
    expect(dlsCount(unfused)).toBe(3);
    expect(dlsCount(fused)).toBe(0);
    const [scan] = scans(fused);
    expect([0, 3, 4].map((i) => scan.inputs[i])).toEqual(["u", "B", "C"]);
    expect(scan.attrs.get("u_bits")).toEqual({ type: "int", value: 4 });
    expect(scan.attrs.get("b_bits")).toEqual({ type: "int", value: 4 });
    expect(scan.attrs.get("c_bits")).toEqual({ type: "int", value: 3 });
    expect(scan.attrs.get("c_signed")).toEqual({ type: "int", value: 0 });
    const r = rng(5);
    const inputs = [
      ...[0, 1].map(() => Tensor.from("float32", [1, E, L], uniform(E * L, -2, 2, r))),
      ...[0, 1].map(() => Tensor.from("float32", [1, G, N, L], uniform(G * N * L, -1, 1, r))),
    ];
    const a = new Interpreter(fused).run(inputs)[0].values as Float32Array;
    const b = new Interpreter(unfused).run(inputs)[0].values as Float32Array;
    expect(Buffer.from(a.buffer)).toEqual(Buffer.from(b.buffer));
  });

  it("leaves a quantized u that another reader needs", () => {
    const { fused } = compile(scanModel(true));
    expect(dlsCount(fused)).toBe(1);
    expect(scans(fused)[0].attrs.has("u_w")).toBe(false);
    expect(scans(fused)[0].attrs.has("b_w")).toBe(true);
  });
});
