import { attr, GraphEditor, makeNode } from "../ir/editor.js";
import { Tensor } from "../ir/tensor.js";
import type { Pass } from "./pass.js";

const CODE_TYPES = new Set(["int8", "uint8", "int4", "uint4", "int2", "uint2"]);

/**
 * DequantizeLinear of constant integer weights (int8/uint8 per tensor or per axis, int4, int2)
 * becomes DequantizeCodes, the same form RFA weights fold to: value = q*scale - zp*scale. uint8
 * codes are shifted by -128 (and the zero point with them) so that every code fits an int8.
 */
export const foldQdqWeights: Pass = {
  name: "fold-qdq-weights",
  summary: "DequantizeLinear of constant int weights -> int codes + (alpha, beta)",
  run(model) {
    const g = new GraphEditor(model);
    for (const node of g.nodes.filter((n) => n.domain === "ai.onnx" && n.opType === "DequantizeLinear")) {
      const [q, scale, zp] = node.inputs.map((i) => g.constant(i));
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
