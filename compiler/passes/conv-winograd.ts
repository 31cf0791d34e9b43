import { attr, GraphEditor, makeNode } from "../ir/editor.js";
import { type Node, nodeReads } from "../ir/graph.js";
import { Tensor } from "../ir/tensor.js";
import { Attrs } from "../ops/define.js";
import { SUB_KERNEL, subKernels, TILE_POSITIONS, winogradWeights } from "../ops/support/winograd.js";
import type { Pass } from "./pass.js";

/**
 * The smallest C' and C' * M a Conv needs to become a qmc.WinogradConv (C' = C * gh * gw virtual
 * input channels, C for 3x3): below them the tile transforms, which cost per channel rather than
 * per channel pair, eat the multiplications saved (wasm-simd at 256x256, CPU ms a call: 3 -> 24
 * channels 3.1 direct, 2.9-4.3 Winograd; 24 -> 9 12.7 and 5.3; 24 -> 24 23.5 and 9.5; 32 -> 24
 * 39.7 and 16.1).
 */
export const WINOGRAD_MIN_INPUT_CHANNELS = 8;
export const WINOGRAD_MIN_CHANNEL_PAIRS = 64;

/**
 * The smallest M a kernel other than 3x3 needs. Its input transforms run once per sub-kernel and
 * input channel, so they cost per virtual channel as much as a 3x3's per channel, while a 5x5 or
 * 7x7 saves fewer multiplications (25 and 49 direct per output and channel pair against 16 and 36:
 * 1.56x and 1.36x, where 3x3, 6x6 and 9x9 save 2.25x); a few output channels leave the transforms
 * the larger part. Measured with bench/profile.ts on one Conv, SAME pads, wasm-simd at 256x256 on
 * a load of 10 on 2 cores, CPU ms a call direct and Winograd: 9x9 3 -> 64 (C' 27) 73.9-84.0 and
 * 38.1-39.1; 7x7 16 -> 16 (C' 144) 57.5 and 36.3; 5x5 32 -> 32 (C' 128) 121-144 and 84.8; 5x5
 * 8 -> 8 (C' 32) 7.36 and 8.82; 5x5 32 -> 3 (C' 128) 12.0-12.3 and 28.0-35.1.
 */
export const WINOGRAD_GRID_MIN_OUTPUT_CHANNELS = 16;

/**
 * A float32 Conv Kh x Kw, stride 1, dilation 1, group 1 with constant weights (and bias) becomes a
 * qmc.WinogradConv (compiler/ops/qmc/WinogradConv.ts) carrying its transformed weights: 16
 * multiplications per 2x2 outputs, channel pair and 3x3 sub-kernel (ceil(Kh / 3) x ceil(Kw / 3) of
 * them) instead of 4 Kh Kw, where that is fewer and the sizes above make it pay; a Relu that alone
 * reads the Conv becomes its epilogue (onlyRelu). Its sums are in another order than Conv's, so
 * `--conv-algorithm direct` (PassOptions.convAlgorithm) keeps every Conv.
 */
export const convWinograd: Pass = {
  name: "conv-winograd",
  summary:
    "float Conv KxK stride 1 with constant weights (and a Relu after it) -> qmc.WinogradConv (Winograd F(2x2, 3x3) per 3x3 sub-kernel)",
  run(model, _file, options = {}) {
    if (options.convAlgorithm === "direct") return model;
    const g = new GraphEditor(model);
    let changed = false;
    for (const conv of [...g.nodes]) {
      const pads = eligiblePads(g, conv);
      if (!pads) continue;
      const w = g.constant(conv.inputs[1]) as Tensor;
      const [m, c, kh, kw] = w.shape;
      const [gh, gw] = subKernels([kh, kw]);
      const u = g.addConstant(
        `${conv.inputs[1]}.winograd`,
        new Tensor("float32", [TILE_POSITIONS, c * gh * gw, m], winogradWeights(w.values, m, c, [kh, kw])),
      );
      const inputs = [conv.inputs[0], u, ...(conv.inputs[2] ? [conv.inputs[2]] : [])];
      const relu = onlyRelu(g, conv.outputs[0]);
      const attrs = {
        pads: attr.ints(pads),
        ...(kh === SUB_KERNEL && kw === SUB_KERNEL ? {} : { kernel_shape: attr.ints([kh, kw]) }),
        ...(relu ? { activation: attr.string("relu") } : {}),
      };
      const outputs = relu ? relu.outputs : conv.outputs;
      g.replace(conv, [makeNode("WinogradConv", "qmc", inputs, [...outputs], attrs, conv.name)]);
      if (relu) g.replace(relu, []);
      changed = true;
    }
    if (!changed) return model;
    g.useDomain("qmc", 1);
    g.removeDead();
    return g.build();
  },
};

/**
 * The Relu that alone reads a Conv's output, which is no graph output: the WinogradConv takes it
 * into its epilogue (activation "relu"), saving the output a trip through memory.
 */
function onlyRelu(g: GraphEditor, value: string): Node | undefined {
  if (g.isGraphOutput(value)) return undefined;
  const readers = g.nodes.filter((n) => nodeReads(n).includes(value));
  const [relu] = readers;
  if (readers.length !== 1 || relu.domain !== "ai.onnx" || relu.opType !== "Relu") return undefined;
  return relu.inputs.length === 1 && relu.outputs.length === 1 ? relu : undefined;
}

/** Whether weights [M, C, Kh, Kw] are worth Winograd's transforms. */
function worthWinograd([m, c, kh, kw]: readonly number[]): boolean {
  const [gh, gw] = subKernels([kh, kw]);
  const cv = c * gh * gw;
  const square3 = kh === SUB_KERNEL && kw === SUB_KERNEL;
  return (
    TILE_POSITIONS * gh * gw < 4 * kh * kw &&
    cv >= WINOGRAD_MIN_INPUT_CHANNELS &&
    cv * m >= WINOGRAD_MIN_CHANNEL_PAIRS &&
    (square3 || m >= WINOGRAD_GRID_MIN_OUTPUT_CHANNELS)
  );
}

/** The explicit pads [top, left, bottom, right] of a Conv WinogradConv can take, else nothing. */
function eligiblePads(g: GraphEditor, conv: Node): readonly number[] | undefined {
  if (conv.domain !== "ai.onnx" || conv.opType !== "Conv" || conv.outputs.length !== 1) return undefined;
  const w = g.constant(conv.inputs[1]);
  if (w?.dtype !== "float32" || w.rank !== 4 || !worthWinograd(w.shape)) return undefined;
  const bias = conv.inputs[2] ? g.constant(conv.inputs[2]) : undefined;
  if (conv.inputs[2] && (bias?.dtype !== "float32" || bias.rank !== 1 || bias.shape[0] !== w.shape[0]))
    return undefined;
  const a = new Attrs(conv);
  const ones = (name: string) => a.ints(name, [1, 1]).every((v) => v === 1);
  const kernel = a.ints("kernel_shape", w.shape.slice(2));
  if (
    a.int("group", 1) !== 1 ||
    !ones("strides") ||
    !ones("dilations") ||
    kernel.some((k, i) => k !== w.shape[2 + i])
  ) {
    return undefined;
  }
  // At stride 1 SAME padding is K - 1 pixels per axis whatever the input size, the odd one at the
  // end (SAME_UPPER) or the beginning (SAME_LOWER).
  const [kh, kw] = kernel;
  switch (a.string("auto_pad", "NOTSET")) {
    case "NOTSET":
      return a.ints("pads", [0, 0, 0, 0]);
    case "VALID":
      return [0, 0, 0, 0];
    case "SAME_LOWER":
      return [Math.ceil((kh - 1) / 2), Math.ceil((kw - 1) / 2), Math.floor((kh - 1) / 2), Math.floor((kw - 1) / 2)];
    default:
      return [Math.floor((kh - 1) / 2), Math.floor((kw - 1) / 2), Math.ceil((kh - 1) / 2), Math.ceil((kw - 1) / 2)];
  }
}
