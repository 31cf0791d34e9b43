import { attr, GraphEditor, makeNode } from "../ir/editor.js";
import type { Node } from "../ir/graph.js";
import { standaloneEvalContext } from "../ops/define.js";
import { resolveOp } from "../ops/registry.js";
import type { Pass } from "./pass.js";

const LAYOUT_OPS = new Set(["Transpose", "Reshape", "Squeeze", "Unsqueeze", "Flatten"]);

/**
 * Moves layout ops applied to folded weights onto their codes: Transpose(DequantizeCodes(q)) becomes
 * DequantizeCodes(Transpose(q)) with q transposed at compile time (a Linear's W^T, x_proj's
 * broadcast reshapes), so the integer kernels find the codes right next to the product.
 */
export const weightLayout: Pass = {
  name: "weight-layout",
  summary: "apply Transpose/Reshape of folded weights to their codes at compile time",
  run(model) {
    const g = new GraphEditor(model);
    for (const node of [...g.nodes]) {
      if (node.domain !== "ai.onnx" || !LAYOUT_OPS.has(node.opType)) continue;
      const dq = g.producer(node.inputs[0]);
      if (dq?.opType !== "DequantizeCodes" || dq.domain !== "qmc") continue;
      const codes = g.constant(dq.inputs[0]);
      const rest = node.inputs.slice(1).map((i) => g.constant(i));
      if (!codes || rest.some((t, k) => node.inputs[k + 1] && !t)) continue;
      const axis = newAxis(dq, node);
      if (axis === undefined) continue;
      const r = resolveOp(node, model.opsets);
      if ("problem" in r) continue;
      const [moved] = r.def.evaluate(
        [codes, ...rest],
        standaloneEvalContext(node, r.opset, "internal: no subgraphs here"),
      );
      const name = g.addConstant(dq.inputs[0], moved);
      const attrs = Object.fromEntries(dq.attrs);
      g.replace(node, [
        makeNode("DequantizeCodes", "qmc", [name], [...node.outputs], { ...attrs, axis: attr.int(axis) }, node.name),
      ]);
    }
    g.removeDead();
    return g.build();
  },
};

/** Where the per-channel axis goes; undefined when the op would scatter a per-channel axis. */
function newAxis(dq: Node, layout: Node): number | undefined {
  const alpha = dq.attrs.get("alpha");
  const axisAttr = dq.attrs.get("axis");
  const axis = axisAttr?.type === "int" ? axisAttr.value : 0;
  if (alpha?.type === "floats" && alpha.value.length === 1) return 0;
  if (layout.opType !== "Transpose") return undefined;
  const perm = layout.attrs.get("perm");
  return perm?.type === "ints" ? perm.value.indexOf(axis) : undefined;
}
