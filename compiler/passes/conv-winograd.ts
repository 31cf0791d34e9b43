import { attr, GraphEditor, makeNode } from "../ir/editor.js";
import type { Node } from "../ir/graph.js";
import { Tensor } from "../ir/tensor.js";
import { Attrs } from "../ops/define.js";
import { TILE_POSITIONS, winogradWeights } from "../ops/support/winograd.js";
import type { Pass } from "./pass.js";

/**
 * The smallest C and C * M a Conv needs to become a qmc.WinogradConv: below them the tile
 * transforms, which cost per channel rather than per channel pair, eat the multiplications saved
 * (wasm-simd at 256x256, CPU ms a call: 3 -> 24 channels 3.1 direct, 2.9-4.3 Winograd; 24 -> 9
 * 12.7 and 5.3; 24 -> 24 23.5 and 9.5; 32 -> 24 39.7 and 16.1).
 */
export const WINOGRAD_MIN_INPUT_CHANNELS = 8;
export const WINOGRAD_MIN_CHANNEL_PAIRS = 64;

/**
 * A float32 Conv 3x3, stride 1, dilation 1, group 1 with constant weights (and bias) becomes a
 * qmc.WinogradConv (compiler/ops/qmc/WinogradConv.ts) carrying its transformed weights: 16
 * multiplications per 2x2 outputs and channel pair instead of 36. Its sums are in another order
 * than Conv's, so `--conv-algorithm direct` (PassOptions.convAlgorithm) keeps every Conv.
 */
export const convWinograd: Pass = {
  name: "conv-winograd",
  summary: "float Conv 3x3 stride 1 with constant weights -> qmc.WinogradConv (Winograd F(2x2, 3x3))",
  run(model, _file, options = {}) {
    if (options.convAlgorithm === "direct") return model;
    const g = new GraphEditor(model);
    let changed = false;
    for (const conv of [...g.nodes]) {
      const pads = eligiblePads(g, conv);
      if (!pads) continue;
      const w = g.constant(conv.inputs[1]) as Tensor;
      const [m, c] = w.shape;
      const u = g.addConstant(
        `${conv.inputs[1]}.winograd`,
        new Tensor("float32", [TILE_POSITIONS, c, m], winogradWeights(w.values, m, c)),
      );
      const inputs = [conv.inputs[0], u, ...(conv.inputs[2] ? [conv.inputs[2]] : [])];
      g.replace(conv, [
        makeNode("WinogradConv", "qmc", inputs, [...conv.outputs], { pads: attr.ints(pads) }, conv.name),
      ]);
      changed = true;
    }
    if (!changed) return model;
    g.useDomain("qmc", 1);
    g.removeDead();
    return g.build();
  },
};

/** The explicit pads [top, left, bottom, right] of a Conv WinogradConv can take, else nothing. */
function eligiblePads(g: GraphEditor, conv: Node): readonly number[] | undefined {
  if (conv.domain !== "ai.onnx" || conv.opType !== "Conv" || conv.outputs.length !== 1) return undefined;
  const w = g.constant(conv.inputs[1]);
  if (w?.dtype !== "float32" || w.rank !== 4 || w.shape[2] !== 3 || w.shape[3] !== 3) return undefined;
  if (w.shape[1] < WINOGRAD_MIN_INPUT_CHANNELS || w.shape[0] * w.shape[1] < WINOGRAD_MIN_CHANNEL_PAIRS)
    return undefined;
  const bias = conv.inputs[2] ? g.constant(conv.inputs[2]) : undefined;
  if (conv.inputs[2] && (bias?.dtype !== "float32" || bias.rank !== 1 || bias.shape[0] !== w.shape[0]))
    return undefined;
  const a = new Attrs(conv);
  const ones = (name: string) => a.ints(name, [1, 1]).every((v) => v === 1);
  const kernel = a.ints("kernel_shape", [3, 3]);
  if (a.int("group", 1) !== 1 || !ones("strides") || !ones("dilations") || kernel[0] !== 3 || kernel[1] !== 3) {
    return undefined;
  }
  // At stride 1 SAME padding is one pixel on every side whatever the input size.
  switch (a.string("auto_pad", "NOTSET")) {
    case "NOTSET":
      return a.ints("pads", [0, 0, 0, 0]);
    case "VALID":
      return [0, 0, 0, 0];
    default:
      return [1, 1, 1, 1];
  }
}
