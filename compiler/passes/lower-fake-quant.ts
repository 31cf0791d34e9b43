import { attr, GraphEditor, makeNode } from "../ir/editor.js";
import type { Node } from "../ir/graph.js";
import { Tensor } from "../ir/tensor.js";
import { offsetRange, ROUNDING_BIAS } from "../quant/fake-quant.js";
import { movesValues } from "./fold-qdq-data-movement.js";
import type { Pass } from "./pass.js";
import { type QdqPair, qdqPairAt } from "./qdq-pairs.js";

/** The attribute that carries, to `inspect --plan`, why a kernel of a quantized model computes in float. */
export const FLOAT_REASON = "float_reason";

/**
 * The last pass for QDQ models. A QuantizeLinear -> DequantizeLinear pair that no integer kernel
 * took in (as its input quantizer or in its epilogue) requantizes a float op's output, or the
 * model's input; it becomes f32 Div, Clip, Add, Sub and Mul, which every target has, computing
 * the pair exactly: v = fl(x / scale) clipped to [lo, hi] = [qmin - zp, qmax - zp] (clipping
 * before rounding to integer bounds is the same), rounded half to even by adding and subtracting
 * 1.5 * 2^23 (compiler/quant/fake-quant.ts), times scale. Every float op left in such a model
 * carries the reason it is not an integer kernel, for `inspect --plan`.
 */
export const lowerFakeQuant: Pass = {
  name: "lower-fake-quant",
  summary: "QuantizeLinear -> DequantizeLinear left on float values -> f32 steps; float ops of a QDQ model say why",
  run(model) {
    const g = new GraphEditor(model);
    const pairs = g.nodes.map((n) => qdqPairAt(g, n)).filter((p) => p !== undefined);
    const linearKernels = g.nodes.some((n) => n.domain === "qmc" && n.attrs.get("x_mode")?.value === "linear");
    if (pairs.length === 0 && !linearKernels) return model;
    const opset = model.opsets.get("ai.onnx") ?? model.opsets.get("") ?? 0;
    for (const node of [...g.nodes]) {
      if (node.domain !== "ai.onnx" || node.opType === "QuantizeLinear" || node.opType === "DequantizeLinear") continue;
      g.replace(node, [{ ...node, attrs: new Map([...node.attrs, [FLOAT_REASON, attr.string(floatReason(node))]]) }]);
    }
    // Clip reads its bounds as inputs from opset 11 on; an older model keeps its pairs (and the
    // targets then name QuantizeLinear as the kind they lack).
    if (opset >= 11) for (const pair of pairs) lower(g, pair);
    g.removeDead();
    return g.build();
  },
};

function floatReason(node: Node): string {
  if (movesValues(node)) return "data movement: quantized values pass unchanged";
  return `no integer ${node.opType} kernel: computes on dequantized values`;
}

function lower(g: GraphEditor, pair: QdqPair): void {
  const { scale, zeroPoint, dtype } = pair.grid;
  const [lo, hi] = offsetRange(pair.grid);
  const base = pair.dequantize.name || pair.output;
  const scalar = (what: string, v: number) => g.addConstant(`${base}/${what}`, Tensor.from("float32", [], [v]));
  const [s, bias] = [scalar("scale", scale), scalar("rounding_bias", ROUNDING_BIAS)];
  const producer = g.producer(pair.input);
  const of = producer ? `${producer.opType}'s output, which no integer kernel produces` : "the model's input";
  const reason = attr.string(
    `QuantizeLinear -> DequantizeLinear (${dtype}, scale ${scale}, zero point ${zeroPoint}) of ${of}`,
  );
  const step = (op: string, inputs: string[], output: string) =>
    makeNode(op, "ai.onnx", inputs, [output], { [FLOAT_REASON]: reason }, `${base}/requantize_${op.toLowerCase()}`);
  const [v, u, t, q] = ["divided", "clipped", "biased", "rounded"].map((w) => g.fresh(`${base}/${w}`));
  g.replace(pair.quantize, []);
  g.replace(pair.dequantize, [
    step("Div", [pair.input, s], v),
    step("Clip", [v, scalar("lo", lo), scalar("hi", hi)], u),
    step("Add", [u, bias], t),
    step("Sub", [t, bias], q),
    step("Mul", [q, s], pair.output),
  ]);
}
