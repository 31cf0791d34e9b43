import { GraphEditor } from "../ir/editor.js";
import type { Node } from "../ir/graph.js";
import { standaloneEvalContext } from "../ops/define.js";
import { checkInputCount, refuseOversizedOutputs } from "../ops/evaluation-checks.js";
import { resolveOp } from "../ops/registry.js";
import type { Pass } from "./pass.js";

/** Ops whose constant result must stay a node: folded weights wait for an integer kernel. */
const KEEP = new Set(["qmc::DequantizeCodes"]);

/**
 * Evaluates every node whose inputs are all constants (A = -exp(A_log), DlsQuant of A, D and
 * delta_bias, weight transposes, shape arithmetic on static shapes, ...) and replaces it by its
 * values.
 */
export const foldConstants: Pass = {
  name: "fold-constants",
  summary: "evaluate nodes whose inputs are all constant (DlsQuant of A, D, delta_bias included)",
  run(model) {
    const g = new GraphEditor(model);
    for (const node of [...g.nodes]) {
      if (!foldable(node) || !node.inputs.every((i) => i === "" || g.constant(i))) continue;
      const r = resolveOp(node, model.opsets);
      if ("problem" in r) continue;
      const ctx = standaloneEvalContext(node, r.opset, "internal: subgraphs are not folded");
      const inputs = node.inputs.map((i) => g.constant(i));
      checkInputCount(r.def, inputs.length, ctx);
      refuseOversizedOutputs(r.def, inputs, ctx);
      const values = r.def.evaluate(inputs, ctx);
      g.replace(node, []);
      node.outputs.forEach((name, i) => {
        if (name && values[i]) g.initializers.set(name, values[i]);
      });
    }
    g.removeDead();
    return g.build();
  },
};

function foldable(node: Node): boolean {
  if (KEEP.has(`${node.domain}::${node.opType}`)) return false;
  for (const a of node.attrs.values()) if (a.type === "graph" || a.type === "graphs") return false;
  return !node.opType.startsWith("Random");
}
