import { describe, expect, it } from "vitest";
import { Interpreter } from "../compiler/interp/interpreter.js";
import type { Model } from "../compiler/ir/graph.js";
import { Tensor } from "../compiler/ir/tensor.js";
import { decodeModel } from "../compiler/onnx/decode.js";
import { convWinograd } from "../compiler/passes/conv-winograd.js";
import { DT, floatTensor, modelBytes, node, valueInfo } from "./support/onnx-builder.js";
import { rng, uniform } from "./support/random.js";

/**
 * Six float Convs in a chain on a 16-channel image: 3x3 16 -> 8 with bias and pads 1 (taken),
 * stride 2 (kept), 3x3 SAME_UPPER 8 -> 8 without bias and a Relu (taken, pads 1, the Relu
 * fused), 3x3 8 -> 3 (kept: 24 channel pairs), 6x6 SAME_LOWER 3 -> 16 (taken: 2x2 sub-kernels, C'
 * 12, pads 3 3 2 2) and 5x5 16 -> 3 with pads 2 (kept: 3 output channels).
 */
function chain(): Model {
  const rnd = rng(31);
  const w = (dims: number[]) =>
    floatTensor(
      `w${dims.join("x")}`,
      dims,
      uniform(
        dims.reduce((a, b) => a * b),
        -0.3,
        0.3,
        rnd,
      ),
    );
  const conv = (
    name: string,
    inputs: string[],
    attrs: { name: string; type: number; ints?: number[]; s?: Uint8Array }[],
  ) => node({ op: "Conv", name, inputs, outputs: [name], attrs });
  const pads1 = { name: "pads", type: 7, ints: [1, 1, 1, 1] };
  const bytes = modelBytes({
    inputs: [valueInfo("x", DT.FLOAT, [1, 16, 9, 10])],
    outputs: [valueInfo("f", DT.FLOAT, [1, 3, 5, 5])],
    initializers: [
      w([8, 16, 3, 3]),
      w([8]),
      w([8, 8, 3, 3]),
      w([3, 8, 3, 3]),
      w([16, 3, 6, 6]),
      w([16]),
      w([3, 16, 5, 5]),
    ],
    nodes: [
      conv("a", ["x", "w8x16x3x3", "w8"], [pads1]),
      conv("b", ["a", "w8x8x3x3"], [pads1, { name: "strides", type: 7, ints: [2, 2] }]),
      conv("c", ["b", "w8x8x3x3"], [{ name: "auto_pad", type: 3, s: new TextEncoder().encode("SAME_UPPER") }]),
      node({ op: "Relu", name: "relu", inputs: ["c"], outputs: ["cr"] }),
      conv("d", ["cr", "w3x8x3x3"], [pads1]),
      conv("e", ["d", "w16x3x6x6", "w16"], [{ name: "auto_pad", type: 3, s: new TextEncoder().encode("SAME_LOWER") }]),
      conv("f", ["e", "w3x16x5x5"], [{ name: "pads", type: 7, ints: [2, 2, 2, 2] }]),
    ],
  });
  return decodeModel(bytes, { file: "chain.onnx" });
}

describe("conv-winograd", () => {
  const model = chain();
  it("takes the eligible Convs only, and none with --conv-algorithm direct", () => {
    const kinds = (m: Model) => m.graph.nodes.map((n) => `${n.name}:${n.opType}`);
    expect(kinds(convWinograd.run(model, "chain.onnx"))).toEqual([
      "a:WinogradConv",
      "b:Conv",
      "c:WinogradConv",
      "d:Conv",
      "e:WinogradConv",
      "f:Conv",
    ]);
    const [, , c, , e] = convWinograd.run(model, "chain.onnx").graph.nodes;
    expect(c.outputs).toEqual(["cr"]);
    expect(c.attrs.get("activation")?.value).toBe("relu");
    expect(e.attrs.get("kernel_shape")?.value).toEqual([6, 6]);
    expect(e.attrs.get("pads")?.value).toEqual([3, 3, 2, 2]);
    expect(convWinograd.run(model, "chain.onnx", { convAlgorithm: "direct" })).toBe(model);
  });

  it("gives Conv's outputs within float32 rounding", () => {
    const x = new Tensor("float32", [1, 16, 9, 10], Float32Array.from(uniform(16 * 90, -1, 1, rng(32))));
    const [direct] = new Interpreter(model, "chain.onnx").run([x]);
    const [winograd] = new Interpreter(convWinograd.run(model, "chain.onnx"), "chain.onnx").run([x]);
    expect(winograd.shape).toEqual(direct.shape);
    // Relative to the output's scale: six layers of sums grow it to tens (observed 0.65e-6 of it).
    const scale = Math.max(...direct.values.map(Math.abs));
    const worst = Math.max(...direct.values.map((v, i) => Math.abs(v - winograd.values[i])));
    expect(worst).toBeLessThan(2e-6 * scale);
    expect(worst).toBeGreaterThan(0);
  });
});
