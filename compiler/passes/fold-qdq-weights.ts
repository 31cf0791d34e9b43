import { attr, GraphEditor, makeNode } from "../ir/editor.js";
import type { Model } from "../ir/graph.js";
import { Tensor } from "../ir/tensor.js";
import { standaloneEvalContext } from "../ops/define.js";
import { resolveOp } from "../ops/registry.js";
import type { Pass } from "./pass.js";

const CODE_TYPES = new Set(["int8", "uint8", "int4", "uint4", "int2", "uint2"]);

/**
 * DequantizeLinear of constant integer weights (int8/uint8 per tensor or per axis, int4, int2)
 * becomes DequantizeCodes, the same form RFA weights fold to: value = q*scale - zp*scale. uint8
 * codes are shifted by -128 (and the zero point with them) so that every code fits an int8. The
 * codes of a Conv or MatMul weight may also come from a QuantizeLinear of a constant float tensor,
 * as onnxruntime's quantizer writes a weight that PyTorch shares between two layers (an Identity of
 * the initializer); any other QuantizeLinear of a constant is left to fold-constants.
 */
export const foldQdqWeights: Pass = {
  name: "fold-qdq-weights",
  summary: "DequantizeLinear of constant int weights -> int codes + (alpha, beta)",
  run(model) {
    const g = new GraphEditor(model);
    for (const node of g.nodes.filter((n) => n.domain === "ai.onnx" && n.opType === "DequantizeLinear")) {
      const q =
        g.constant(node.inputs[0]) ??
        (readAsWeight(g, node.outputs[0]) ? quantizedConstant(g, model, node.inputs[0]) : undefined);
      const [scale, zp] = node.inputs.slice(1).map((i) => g.constant(i));
      if (!q || !scale || !CODE_TYPES.has(q.dtype) || node.attrs.has("block_size")) continue;
      if (zp && zp.size !== scale.size) continue;
      const shift = q.dtype === "uint8" ? 128 : 0;
      const codes = Int8Array.from(q.values, (v) => v - shift);
      const s = Array.from(scale.values, Math.fround);
      const z = zp ? Array.from(zp.values) : s.map(() => 0);
      const axisAttr = node.attrs.get("axis");
      const rawAxis = axisAttr?.type === "int" ? axisAttr.value : 1;
      const axis = s.length === 1 ? 0 : rawAxis < 0 ? rawAxis + q.rank : rawAxis;
      const name = g.addConstant(`${node.inputs[0]}.codes`, new Tensor("int8", q.shape, codes));
      const bits = q.dtype.endsWith("8") ? 8 : q.dtype.endsWith("4") ? 4 : 2;
      g.replace(node, [
        makeNode(
          "DequantizeCodes",
          "qmc",
          [name],
          [...node.outputs],
          {
            bits: attr.int(bits),
            alpha: attr.floats(s),
            beta: attr.floats(s.map((sc, i) => Math.fround((z[i] - shift) * sc))),
            axis: attr.int(axis),
          },
          node.name,
        ),
      ]);
    }
    g.useDomain("qmc", 1);
    g.removeDead();
    return g.build();
  },
};

/** Whether every reader takes `value` as a Conv weight or a MatMul operand. */
function readAsWeight(g: GraphEditor, value: string): boolean {
  const readers = g.consumers(value);
  return (
    readers.length > 0 &&
    readers.every(
      (n) => n.domain === "ai.onnx" && (n.opType === "MatMul" || (n.opType === "Conv" && n.inputs[1] === value)),
    )
  );
}

/**
 * The value of a QuantizeLinear of a constant: an initializer, or weights another layer dequantizes
 * (by now, possibly folded to DequantizeCodes), as onnxruntime requantizes a shared weight.
 */
function quantizedConstant(g: GraphEditor, model: Model, value: string): Tensor | undefined {
  const q = g.producer(value);
  return q?.domain === "ai.onnx" && q.opType === "QuantizeLinear" ? evaluated(g, model, value) : undefined;
}

const CONSTANT_CHAIN = new Set(["ai.onnx.QuantizeLinear", "ai.onnx.DequantizeLinear", "qmc.DequantizeCodes"]);

function evaluated(g: GraphEditor, model: Model, value: string): Tensor | undefined {
  const direct = g.constant(value);
  const node = direct ? undefined : g.producer(value);
  if (!node || !CONSTANT_CHAIN.has(`${node.domain}.${node.opType}`)) return direct;
  const inputs = node.inputs.map((i) => (i ? evaluated(g, model, i) : undefined));
  if (inputs.some((t, k) => !t && node.inputs[k])) return undefined;
  const r = resolveOp(node, new Map([...model.opsets, ["qmc", 1]]));
  if ("problem" in r) return undefined;
  return r.def.evaluate(inputs, standaloneEvalContext(node, r.opset, `internal: ${node.opType} has no subgraph`))[0];
}
