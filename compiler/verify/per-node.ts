import { Interpreter } from "../interp/interpreter.js";
import { isFloat } from "../ir/dtype.js";
import type { Model } from "../ir/graph.js";
import type { Tensor } from "../ir/tensor.js";
import type { Tolerance } from "./compare.js";
import { type ValueErrors, valueErrors } from "./value-errors.js";

/** Ops whose outputs describe a tensor's shape, not its data: what follows from them is not checked. */
const SHAPE_OPS = new Set(["Shape", "Size"]);

export interface NodeRow extends ValueErrors {
  /** The ONNX node's name ("" when unnamed). */
  readonly node: string;
  readonly op: string;
  /** The ONNX value compared. */
  readonly output: string;
}

export interface NodeComparison {
  /** One row per compared node output, in the order the interpreter evaluates them (topological). */
  readonly rows: readonly NodeRow[];
  /** The first row outside tolerance: where the reference and the intermediates part. */
  readonly first?: NodeRow;
  /** Float outputs computed from the input data that have no intermediate to compare with. */
  readonly uncovered: number;
  /** The model's outputs from the same run. */
  readonly outputs: Tensor[];
}

/**
 * Runs the reference interpreter once and compares every float node output that depends on the
 * input data with the intermediate of the same value name. Outputs of constants (computed from
 * initializers alone) and of shapes are skipped: the exporter's graph may fold them differently and
 * they cannot locate a numeric divergence.
 */
export function compareNodeOutputs(
  model: Model,
  file: string,
  inputs: readonly Tensor[],
  intermediates: ReadonlyMap<string, Tensor>,
  tol: Tolerance,
): NodeComparison {
  const fromData = new Set(model.graph.inputs.map((i) => i.name));
  const rows: NodeRow[] = [];
  let uncovered = 0;
  const outputs = new Interpreter(model, file).run(inputs, {
    onNode: ({ node, graph, outputs }) => {
      if (graph !== model.graph) return;
      if (SHAPE_OPS.has(node.opType) || !node.inputs.some((name) => fromData.has(name))) return;
      node.outputs.forEach((name, i) => {
        const t = outputs[i];
        if (!name || !t) return;
        fromData.add(name);
        if (!isFloat(t.dtype)) return;
        const expected = intermediates.get(name);
        if (!expected) {
          uncovered++;
          return;
        }
        rows.push({ node: node.name, op: node.opType, output: name, ...valueErrors(t.values, expected, tol, t.shape) });
      });
    },
  });
  return { rows, first: rows.find((r) => !r.ok), uncovered, outputs };
}
