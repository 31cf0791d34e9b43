import { describe, expect, it } from "vitest";
import { Interpreter } from "../compiler/interp/interpreter.js";
import type { Model } from "../compiler/ir/graph.js";
import { Tensor } from "../compiler/ir/tensor.js";
import { decodeModel } from "../compiler/onnx/decode.js";
import { fuseScanMerge } from "../compiler/passes/fuse-scan-merge.js";
import { PIPELINE } from "../compiler/pipeline.js";
import { DT, floatTensor, modelBytes, node, valueInfo } from "./support/onnx-builder.js";
import { rng, uniform } from "./support/random.js";

const Q = "ai.qmambair";
// H != W, so a merge that swapped them would show.
const [E, N, H, W] = [3, 2, 3, 5];
const L = H * W;

/**
 * SS2D's scan between its CrossScan and its out_norm: u = CrossScan(x) as (1, 4E, L), a
 * DlsQuant-ed delta, y = SelectiveScan(..) as (1, 4, E, L), CrossMerge(y, x), then the transpose
 * to tokens (1, L, E). With `mergedOutput` the merged (1, E, L) is a graph output as well; with
 * G = 2 the scan runs two directions of 2E channels (B and C (1, 2, N, L)), which CrossMerge then
 * takes for four of E.
 */
function ss2dModel(mergedOutput: boolean, G = 4): Model {
  const r = rng(17);
  const ints = (name: string, values: number[]) => ({
    name,
    dims: [values.length],
    dataType: DT.INT64,
    int64Data: values,
  });
  const bytes = modelBytes({
    opsets: { "": 17, [Q]: 1 },
    inputs: [
      valueInfo("x", DT.FLOAT, [1, E, H, W]),
      valueInfo("delta", DT.FLOAT, [1, 4 * E, L]),
      valueInfo("B", DT.FLOAT, [1, G, N, L]),
      valueInfo("C", DT.FLOAT, [1, G, N, L]),
    ],
    outputs: [
      valueInfo("tokens", DT.FLOAT, [1, L, E]),
      ...(mergedOutput ? [valueInfo("merged", DT.FLOAT, [1, E, L])] : []),
    ],
    initializers: [
      floatTensor("delta.w", [8], [0, 3 / 7, 0, 0, -1, 0, 0, 0]),
      floatTensor("A", [4 * E, N], uniform(4 * E * N, -1.5, -0.2, r)),
      floatTensor("D", [4 * E], uniform(4 * E, 0.5, 1.5, r)),
      floatTensor("db", [4 * E], uniform(4 * E, -2, 0, r)),
      ints("flat", [1, 4 * E, L]),
      ints("split", [1, 4, E, L]),
    ],
    nodes: [
      node({ op: "CrossScan", domain: Q, inputs: ["x"], outputs: ["xs"] }),
      node({ op: "Reshape", inputs: ["xs", "flat"], outputs: ["u"] }),
      node({
        op: "DlsQuant",
        domain: Q,
        inputs: ["delta", "delta.w"],
        outputs: ["dq"],
        attrs: [
          { name: "bits", type: 2, i: 4 },
          { name: "signed", type: 2, i: 1 },
        ],
      }),
      node({
        op: "SelectiveScan",
        domain: Q,
        name: "scan",
        inputs: ["u", "dq", "A", "B", "C", "D", "db"],
        outputs: ["y"],
      }),
      node({ op: "Reshape", inputs: ["y", "split"], outputs: ["y4"] }),
      node({ op: "CrossMerge", domain: Q, inputs: ["y4", "x"], outputs: ["merged"] }),
      node({
        op: "Transpose",
        inputs: ["merged"],
        outputs: ["tokens"],
        attrs: [{ name: "perm", type: 7, ints: [0, 2, 1] }],
      }),
    ],
  });
  return decodeModel(bytes, { file: "ss2d.onnx" });
}

/** The pipeline, and the pipeline without fuse-scan-merge. */
function compile(model: Model): { fused: Model; unfused: Model } {
  let fused = model;
  let unfused = model;
  for (const pass of PIPELINE) {
    fused = pass.run(fused, "ss2d.onnx");
    if (pass !== fuseScanMerge) unfused = pass.run(unfused, "ss2d.onnx");
  }
  return { fused, unfused };
}

const ops = (m: Model) => m.graph.nodes.map((n) => n.opType);

describe("fuse-scan-merge", () => {
  it("makes the scan write CrossMerge's tokens, with the reference's outputs bit for bit", () => {
    const { fused, unfused } = compile(ss2dModel(false));
    expect(ops(unfused)).toEqual(expect.arrayContaining(["CrossMerge", "Transpose"]));
    expect(ops(fused)).not.toContain("CrossMerge");
    expect(ops(fused)).not.toContain("Transpose");
    const scan = fused.graph.nodes.find((n) => n.opType === "QSelectiveScan");
    expect(scan?.attrs.get("merge")).toEqual({ type: "int", value: 1 });
    expect(scan?.inputs[7]).toBe("x");
    expect(scan?.outputs).toEqual(["tokens"]);
    const r = rng(5);
    const inputs = [
      Tensor.from("float32", [1, E, H, W], uniform(E * L, -2, 2, r)),
      Tensor.from("float32", [1, 4 * E, L], uniform(4 * E * L, -2, 2, r)),
      ...[0, 1].map(() => Tensor.from("float32", [1, 4, N, L], uniform(4 * N * L, -1, 1, r))),
    ];
    const a = new Interpreter(fused).run(inputs)[0];
    const b = new Interpreter(unfused).run(inputs)[0];
    expect(a.shape).toEqual([1, L, E]);
    expect(Buffer.from((a.values as Float32Array).buffer)).toEqual(Buffer.from((b.values as Float32Array).buffer));
  });

  it.each([
    ["whose channel-major output another reader needs", true, 4],
    ["of a scan that does not run 4 directions", false, 2],
  ])("leaves a merge %s", (_, mergedOutput, G) => {
    const { fused } = compile(ss2dModel(mergedOutput as boolean, G as number));
    expect(ops(fused)).toContain("CrossMerge");
    expect(fused.graph.nodes.find((n) => n.opType === "QSelectiveScan")?.attrs.has("merge")).toBe(false);
  });
});
