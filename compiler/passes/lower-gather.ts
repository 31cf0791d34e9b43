import { attr, makeNode } from "../ir/editor.js";
import type { Node } from "../ir/graph.js";
import { Tensor } from "../ir/tensor.js";
import type { Pass } from "./pass.js";
import { fail, intAttr, Matcher } from "./recognise-match.js";

/**
 * Gather with constant indices on an activation, as exports write tensor indexing (`qkv[0]` in a
 * window attention, `x[:, [2, 1, 0]]` for a channel swap), becomes data movement the targets
 * already emit: each run of consecutive indices one Slice along the axis, the runs joined by a
 * Concat, and a scalar index's axis dropped by a Squeeze (a view). The element order is Gather's by
 * construction. Needs the axis's size at compile time (indices are checked and made non-negative
 * with it, as Gather's own evaluation does); Gathers of shape arithmetic (int64 values, which fold
 * at every planned size) and multi-dimensional index tensors stay as they are.
 */
export const lowerGather: Pass = {
  name: "lower-gather",
  summary: "Gather with constant scalar or 1-D indices -> Slice runs (+ Concat, + Squeeze for a scalar index)",
  run(model, file) {
    const m = new Matcher(model, file, "lower-gather");
    const opset = model.opsets.get("ai.onnx") ?? 0;
    for (const node of [...m.g.nodes]) {
      if (node.domain !== "ai.onnx" || node.opType !== "Gather") continue;
      const indices = m.constant(node.inputs[1]);
      if (!indices || (indices.dtype !== "int64" && indices.dtype !== "int32")) continue;
      // Shape arithmetic folds at every planned size; only activations need a kernel.
      if (m.dtypeOf(node.inputs[0]) === "int64") continue;
      m.attempt(node, "Gather left as it is", () => lower(m, node, indices, opset));
    }
    return m.finish([]);
  },
};

function lower(m: Matcher, gather: Node, indices: Tensor, opset: number): void {
  const [data] = gather.inputs;
  if (indices.rank > 1) fail(`its indices have rank ${indices.rank}; only a scalar or a list is lowered`);
  const shapes = m.shapes(data);
  const rank = shapes[0].length;
  const raw = intAttr(gather, "axis", 0);
  const axis = raw < 0 ? raw + rank : raw;
  const sizes = new Set(shapes.map((s) => s[axis]));
  if (sizes.size !== 1) fail(`axis ${axis} of '${data}' changes with the image size`);
  const [dim] = sizes;
  const index = Array.from(indices.values, (i) => {
    if (i < -dim || i >= dim) fail(`index ${i} is out of range for axis ${axis} of size ${dim}`);
    return i < 0 ? i + dim : i;
  });
  if (index.length === 0) fail("its index list is empty");
  const out = gather.outputs[0];
  const scalar = indices.rank === 0;
  const joined = scalar ? m.fresh(`${out}.slice`) : out;
  const runs = consecutiveRuns(index);
  const parts = runs.length === 1 ? [joined] : runs.map(() => m.fresh(`${out}.run`));
  const nodes = runs.map(([start, end], k) => sliceNode(m, opset, data, parts[k], axis, start, end, gather.name));
  if (runs.length > 1) {
    nodes.push(makeNode("Concat", "ai.onnx", parts, [joined], { axis: attr.int(axis) }, `${gather.name}.concat`));
  }
  if (scalar) nodes.push(squeezeNode(m, opset, joined, out, axis, gather.name));
  m.replace(gather, nodes);
}

/** [start, end) of each run of consecutive ascending indices, in order. */
function consecutiveRuns(index: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const i of index) {
    const last = runs[runs.length - 1];
    if (last && last[1] === i) last[1] = i + 1;
    else runs.push([i, i + 1]);
  }
  return runs;
}

/** Slice takes starts/ends/axes as attributes before opset 10 and as inputs from it. */
function sliceNode(
  m: Matcher,
  opset: number,
  data: string,
  out: string,
  axis: number,
  start: number,
  end: number,
  name: string,
): Node {
  const sliceName = `${name}.slice_${start}_${end}`;
  if (opset < 10) {
    const attrs = { starts: attr.ints([start]), ends: attr.ints([end]), axes: attr.ints([axis]) };
    return makeNode("Slice", "ai.onnx", [data], [out], attrs, sliceName);
  }
  const list = (base: string, v: number) => m.addConstant(`${name}.${base}`, Tensor.from("int64", [1], [v]));
  const inputs = [data, list("starts", start), list("ends", end), list("axes", axis)];
  return makeNode("Slice", "ai.onnx", inputs, [out], {}, sliceName);
}

/** Squeeze takes its axes as an attribute before opset 13 and as an input from it. */
function squeezeNode(m: Matcher, opset: number, x: string, out: string, axis: number, name: string): Node {
  if (opset < 13) return makeNode("Squeeze", "ai.onnx", [x], [out], { axes: attr.ints([axis]) }, `${name}.squeeze`);
  const axes = m.addConstant(`${name}.axes`, Tensor.from("int64", [1], [axis]));
  return makeNode("Squeeze", "ai.onnx", [x, axes], [out], {}, `${name}.squeeze`);
}
