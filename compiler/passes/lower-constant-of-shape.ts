import { GraphEditor, makeNode } from "../ir/editor.js";
import { Tensor } from "../ir/tensor.js";
import { Attrs } from "../ops/define.js";
import type { Pass } from "./pass.js";

/**
 * A float ConstantOfShape whose shape is computed (from the input's Shape, as `torch.full_like` and
 * FFDNet's noise-level map export) becomes Expand of its one-element value to that shape: a kernel
 * every target emits, where ConstantOfShape would need one of its own. A constant shape folds
 * earlier (fold-constants); integer ones are shape arithmetic and fold at every planned size.
 */
export const lowerConstantOfShape: Pass = {
  name: "lower-constant-of-shape",
  summary: "float ConstantOfShape of a computed shape -> Expand of its value",
  run(model) {
    const g = new GraphEditor(model);
    let changed = false;
    for (const node of [...g.nodes]) {
      if (node.domain !== "ai.onnx" || node.opType !== "ConstantOfShape" || g.constant(node.inputs[0])) continue;
      const value = new Attrs(node).tensor("value", Tensor.scalar("float32", 0));
      if (value.dtype !== "float32" || value.size !== 1) continue;
      const scalar = g.addConstant(`${node.outputs[0]}.value`, Tensor.scalar("float32", value.item()));
      g.replace(node, [makeNode("Expand", "ai.onnx", [scalar, node.inputs[0]], [...node.outputs], {}, node.name)]);
      changed = true;
    }
    return changed ? g.build() : model;
  },
};
