import { GraphEditor } from "../ir/editor.js";
import type { Node } from "../ir/graph.js";
import type { Pass } from "./pass.js";
import { gridOf, type LinearGrid, qdqPairAt, sameGrid } from "./qdq-pairs.js";

/** Ops whose every output element is one input element (input 0), unchanged. */
const MOVES_VALUES = new Set([
  "Reshape",
  "Transpose",
  "DepthToSpace",
  "SpaceToDepth",
  "Squeeze",
  "Unsqueeze",
  "Flatten",
  "Resize",
]);

export function movesValues(node: Node): boolean {
  if (node.domain !== "ai.onnx" || !MOVES_VALUES.has(node.opType)) return false;
  if (node.opType !== "Resize") return true;
  const mode = node.attrs.get("mode");
  return mode === undefined || (mode.type === "string" && mode.value === "nearest");
}

/**
 * onnxruntime's quantizer puts a QuantizeLinear -> DequantizeLinear pair after every data-movement
 * op (Reshape, Transpose, DepthToSpace, nearest Resize, ...), with the grid of the op's input. When
 * that input is already on the grid (a DequantizeLinear's output, or moved from one), the pair
 * changes nothing: DequantizeLinear gives fl(u * scale) and requantizing it gives u back (see
 * integer-kernels). Such pairs go, so that lower-pixel-shuffle sees the bare Reshape -> Transpose
 * -> Reshape; a pair read only by Conv and MatMul stays, as the quantizer integer-kernels takes in.
 */
export const foldQdqDataMovement: Pass = {
  name: "fold-qdq-data-movement",
  summary: "QuantizeLinear -> DequantizeLinear after data movement of values already on its grid -> removed",
  run(model) {
    const g = new GraphEditor(model);
    const onGrid = new Map<string, LinearGrid>();
    for (const node of [...g.nodes]) {
      if (node.domain === "ai.onnx" && node.opType === "DequantizeLinear") {
        const grid = gridOf(g, node);
        if (grid) onGrid.set(node.outputs[0], grid);
      }
      if (!movesValues(node) || node.outputs.length !== 1) continue;
      const grid = onGrid.get(node.inputs[0]);
      if (!grid) continue;
      const moved = node.outputs[0];
      const [q] = g.consumers(moved);
      const pair = q && g.consumers(moved).length === 1 ? qdqPairAt(g, g.consumers(q.outputs[0])[0]) : undefined;
      if (!pair || pair.input !== moved || g.isGraphOutput(moved) || !sameGrid(grid, pair.grid)) {
        onGrid.set(moved, grid);
        continue;
      }
      const readers = g.consumers(pair.output);
      if (readers.length > 0 && readers.every(isIntegerKernelCandidate)) continue;
      // The op writes the pair's output in its place (a graph output keeps its name).
      g.replace(node, [{ ...node, outputs: [pair.output] }]);
      g.replace(pair.quantize, []);
      g.replace(pair.dequantize, []);
      onGrid.set(pair.output, grid);
    }
    g.removeDead();
    return g.build();
  },
};

function isIntegerKernelCandidate(node: Node): boolean {
  return node.domain === "ai.onnx" && (node.opType === "Conv" || node.opType === "MatMul");
}
