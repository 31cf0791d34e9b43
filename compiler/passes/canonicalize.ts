import { GraphEditor } from "../ir/editor.js";
import type { Node } from "../ir/graph.js";
import { standaloneEvalContext } from "../ops/define.js";
import { resolveOp } from "../ops/registry.js";
import type { Pass } from "./pass.js";

/**
 * Puts an exported graph in the form the other passes match on: Constant nodes become initializers,
 * and Identity nodes (PyTorch emits one per shared parameter) disappear, their readers rewired to
 * the Identity's input. An Identity that produces a graph output stays.
 */
export const canonicalize: Pass = {
  name: "canonicalize",
  summary: "Constant nodes -> initializers; Identity nodes removed",
  run(model) {
    const g = new GraphEditor(model);
    const renames = new Map<string, string>();
    const resolve = (v: string) => renames.get(v) ?? v;
    for (const node of [...g.nodes]) {
      if (node.domain !== "ai.onnx") continue;
      if (node.opType === "Constant") {
        const r = resolveOp(node, model.opsets);
        if ("problem" in r) continue;
        const [value] = r.def.evaluate([], standaloneEvalContext(node, r.opset, "internal: Constant has no subgraph"));
        g.initializers.set(node.outputs[0], value);
        g.replace(node, []);
      } else if (node.opType === "Identity" && !g.isGraphOutput(node.outputs[0])) {
        renames.set(node.outputs[0], resolve(node.inputs[0]));
        g.replace(node, []);
      }
    }
    const rewired = g.nodes.map(
      (n): Node => (n.inputs.some((i) => renames.has(i)) ? { ...n, inputs: n.inputs.map(resolve) } : n),
    );
    g.nodes.splice(0, g.nodes.length, ...rewired);
    g.removeDead();
    return g.build();
  },
};
