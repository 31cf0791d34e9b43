import type { GraphEditor } from "../ir/editor.js";
import type { Node } from "../ir/graph.js";

/**
 * The per-tensor activation quantization a QuantizeLinear -> DequantizeLinear pair (or one
 * DequantizeLinear) applies: value = (q - zeroPoint) * scale, q in the 8-bit range of `dtype`.
 */
export interface LinearGrid {
  readonly scale: number;
  readonly zeroPoint: number;
  readonly dtype: "int8" | "uint8";
}

/**
 * QuantizeLinear -> DequantizeLinear on a float activation, as onnxruntime's quantize_static writes
 * it around every quantized op: `input` is the float value quantized, `output` the dequantized one.
 * The QuantizeLinear's result is read by the DequantizeLinear alone, so the pair is one operation.
 */
export interface QdqPair {
  readonly quantize: Node;
  readonly dequantize: Node;
  readonly input: string;
  readonly output: string;
  readonly grid: LinearGrid;
}

/** The 8-bit per-tensor grid of a QuantizeLinear or DequantizeLinear with constant parameters. */
export function gridOf(g: GraphEditor, node: Node): LinearGrid | undefined {
  const scale = g.constant(node.inputs[1]);
  const zp = node.inputs[2] ? g.constant(node.inputs[2]) : undefined;
  if (scale?.size !== 1 || (node.inputs[2] && zp?.size !== 1)) return undefined;
  if (node.attrs.has("block_size") || node.attrs.has("output_dtype")) return undefined;
  const dtype = zp?.dtype ?? "uint8";
  if (dtype !== "int8" && dtype !== "uint8") return undefined;
  const s = Math.fround(scale.item());
  if (!(s > 0) || !Number.isFinite(s)) return undefined;
  return { scale: s, zeroPoint: zp?.item() ?? 0, dtype };
}

export function sameGrid(a: LinearGrid | undefined, b: LinearGrid | undefined): boolean {
  return !!a && !!b && a.scale === b.scale && a.zeroPoint === b.zeroPoint && a.dtype === b.dtype;
}

/** The pair whose DequantizeLinear is `dq`, if it is one. */
export function qdqPairAt(g: GraphEditor, dq: Node | undefined): QdqPair | undefined {
  if (dq?.domain !== "ai.onnx" || dq.opType !== "DequantizeLinear") return undefined;
  const q = g.producer(dq.inputs[0]);
  if (q?.domain !== "ai.onnx" || q.opType !== "QuantizeLinear") return undefined;
  if (g.isGraphOutput(q.outputs[0]) || g.consumers(q.outputs[0]).length !== 1) return undefined;
  const grid = gridOf(g, q);
  if (!grid || !sameGrid(grid, gridOf(g, dq))) return undefined;
  return { quantize: q, dequantize: dq, input: q.inputs[0], output: dq.outputs[0], grid };
}

/** The pair that quantizes `value` (read by its QuantizeLinear), if any. */
export function qdqPairOf(g: GraphEditor, value: string): QdqPair | undefined {
  for (const q of g.consumers(value)) {
    if (q.domain !== "ai.onnx" || q.opType !== "QuantizeLinear" || q.inputs[0] !== value) continue;
    const [dq] = g.consumers(q.outputs[0]);
    const pair = qdqPairAt(g, dq);
    if (pair) return pair;
  }
  return undefined;
}
