import { GraphEditor, makeNode } from "../ir/editor.js";
import { type Node, nodeReads } from "../ir/graph.js";
import { Tensor } from "../ir/tensor.js";
import { Attrs } from "../ops/define.js";
import type { Pass } from "./pass.js";

/**
 * An inference-mode BatchNormalization right after a float Conv or ConvTranspose whose weight (and
 * bias, if any) are constants becomes part of that conv: with s = scale / sqrt(var + epsilon) per
 * output channel, W' = W * s and b' = (b - mean) * s + B. Taken only when the BatchNormalization is
 * the conv output's one reader and that output is not a graph output; any other BatchNormalization
 * stays as it is.
 */
export const foldBatchNorm: Pass = {
  name: "fold-batch-norm",
  summary: "inference BatchNormalization after a Conv/ConvTranspose with constant weights -> its weights and bias",
  run(model) {
    const g = new GraphEditor(model);
    const opset = model.opsets.get("ai.onnx") ?? 0;
    for (const bn of [...g.nodes]) {
      if (bn.domain !== "ai.onnx" || bn.opType !== "BatchNormalization" || !inferenceMode(bn, opset)) continue;
      const conv = g.producer(bn.inputs[0]);
      if (!conv || !foldableConv(g, conv, bn)) continue;
      const folded = fold(g, conv, bn);
      if (!folded) continue;
      const weight = g.addConstant(conv.inputs[1], folded.weight);
      const bias = g.addConstant(conv.inputs[2] || `${conv.inputs[1]}.bias`, folded.bias);
      const fused = makeNode(
        conv.opType,
        conv.domain,
        [conv.inputs[0], weight, bias],
        [bn.outputs[0]],
        Object.fromEntries(conv.attrs),
        conv.name,
      );
      g.replace(conv, [fused]);
      g.replace(bn, []);
    }
    g.removeDead();
    return g.build();
  },
};

/** Normalizes with the stored statistics and has no output but Y (the others exist for training). */
function inferenceMode(bn: Node, opset: number): boolean {
  const attrs = new Attrs(bn);
  if (opset >= 14 && attrs.int("training_mode", 0) !== 0) return false;
  if (opset < 9 && attrs.int("spatial", 1) !== 1) return false;
  return bn.outputs.slice(1).every((o) => o === "") && bn.inputs.length === 5;
}

function foldableConv(g: GraphEditor, conv: Node, bn: Node): boolean {
  const y = bn.inputs[0];
  return (
    conv.domain === "ai.onnx" &&
    (conv.opType === "Conv" || conv.opType === "ConvTranspose") &&
    conv.outputs.length === 1 &&
    !g.isGraphOutput(y) &&
    g.nodes.every((n) => n === bn || !nodeReads(n).includes(y))
  );
}

/** The folded weight and bias, or nothing when an operand is not a float32 constant of the right size. */
function fold(g: GraphEditor, conv: Node, bn: Node): { weight: Tensor; bias: Tensor } | undefined {
  const w = g.constant(conv.inputs[1]);
  if (w?.dtype !== "float32" || w.rank < 3) return undefined;
  const group = new Attrs(conv).int("group", 1);
  const transposed = conv.opType === "ConvTranspose";
  if (transposed && w.shape[0] % group !== 0) return undefined;
  // Conv's W is [M, C/group, k...]; ConvTranspose's is [C, M/group, k...], output channel
  // (c's group) * M/group + j.
  const channels = transposed ? w.shape[1] * group : w.shape[0];
  const perChannel = (name: string) => {
    const t = name ? g.constant(name) : undefined;
    return t?.dtype === "float32" && t.rank === 1 && t.size === channels ? t.values : undefined;
  };
  const [scale, shift, mean, variance] = bn.inputs.slice(1).map(perChannel);
  const convBias = conv.inputs[2] ? perChannel(conv.inputs[2]) : new Float32Array(channels);
  if (!scale || !shift || !mean || !variance || !convBias) return undefined;

  // All in float64 with one rounding to float32 at the end, as the reference BatchNormalization
  // computes its per-channel factor and shift in float64. (onnxruntime's own Conv+BN fusion rounds
  // after every step in float32, so its folded weights can differ from these in the last bit.)
  const epsilon = new Attrs(bn).float("epsilon", 1e-5);
  const s = Float64Array.from(scale, (v, m) => v / Math.sqrt(variance[m] + epsilon));
  const kernelSize = w.size / (w.shape[0] * w.shape[1]);
  const inPerGroup = w.shape[0] / group;
  const outOf = transposed
    ? (i: number) => {
        const c = Math.floor(i / (w.shape[1] * kernelSize));
        const j = Math.floor(i / kernelSize) % w.shape[1];
        return Math.floor(c / inPerGroup) * w.shape[1] + j;
      }
    : (i: number) => Math.floor(i / (w.size / channels));
  const weight = Tensor.from(
    "float32",
    w.shape,
    Float64Array.from(w.values, (v, i) => v * s[outOf(i)]),
  );
  const bias = Tensor.from(
    "float32",
    [channels],
    Float64Array.from(s, (sm, m) => (convBias[m] - mean[m]) * sm + shift[m]),
  );
  return { weight, bias };
}
