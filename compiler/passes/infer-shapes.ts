import { nodeError, QmcError } from "../diagnostics.js";
import type { Graph, Model, Node, TypeInfo } from "../ir/graph.js";
import { sizeOf, Tensor } from "../ir/tensor.js";
import { Attrs, type EvalContext, type ShapeContext } from "../ops/define.js";
import { resolveOp } from "../ops/registry.js";

const SHAPE_READERS = new Set(["Shape", "Size"]);

/** Constants larger than this are not folded while inferring shapes: shapes come from small tensors. */
const MAX_FOLD_ELEMENTS = 1 << 16;

export interface ShapeInference {
  /** Type and shape of every value of the main graph that could be inferred. */
  readonly types: ReadonlyMap<string, TypeInfo>;
  /** Values known at compile time (initializers and what folds from them). */
  readonly constants: ReadonlyMap<string, Tensor>;
}

/**
 * Runs every op's shape rule over the main graph, from the declared input types, folding small
 * constant subexpressions (Shape -> Gather -> Concat -> Reshape chains) so that shapes computed at
 * run time become known. `inputTypes` overrides declared input types (the planner probes sizes). Symbolic dims (H, W) flow through by name. A type error is a QmcError that
 * names the node.
 */
export function inferShapes(
  model: Model,
  file = "model",
  inputTypes: ReadonlyMap<string, TypeInfo> = new Map(),
): ShapeInference {
  const graph: Graph = model.graph;
  const types = new Map<string, TypeInfo>();
  const constants = new Map<string, Tensor>();
  for (const [name, t] of graph.initializers) {
    constants.set(name, t);
    types.set(name, { dtype: t.dtype, shape: t.shape });
  }
  for (const v of graph.inputs) types.set(v.name, inputTypes.get(v.name) ?? v.type);
  for (const node of graph.nodes) {
    const r = resolveOp(node, model.opsets);
    if ("problem" in r) throw new QmcError(`${file}: ${nodeError(node, r.problem).message}`);
    const inputs = node.inputs.map((n) => (n ? types.get(n) : undefined));
    const consts = node.inputs.map((n) => (n ? constants.get(n) : undefined));
    const attrs = new Attrs(node);
    const base = { node, opset: r.opset, attrs, error: (what: string) => nodeError(node, what) };
    const ctx: ShapeContext = { ...base, constant: (i) => consts[i] };
    const outputs = r.def.shape(inputs, ctx);
    node.outputs.forEach((name, i) => {
      if (name && outputs[i]) types.set(name, outputs[i]);
    });
    // Shape and Size read only their input's shape: known shape, known result.
    if (SHAPE_READERS.has(node.opType) && !consts[0]) {
      const s = inputs[0]?.shape;
      if (s?.every((d) => typeof d === "number") && inputs[0]?.dtype)
        consts[0] = Tensor.zeros(inputs[0].dtype, s as number[]);
    }
    const foldable = !hasSubgraph(node) && node.inputs.every((n, i) => !n || consts[i]);
    // A result over the fold size would be dropped: not evaluating it keeps a model's pads or
    // repeats from allocating gigabytes here.
    const small =
      (SHAPE_READERS.has(node.opType) || consts.every((t) => !t || t.size <= MAX_FOLD_ELEMENTS)) &&
      !outputs.some(
        (o) => o?.shape?.every((d) => typeof d === "number") && sizeOf(o.shape as number[]) > MAX_FOLD_ELEMENTS,
      );
    if (foldable && small && node.opType !== "RandomNormal" && node.opType !== "RandomUniform") {
      const evalCtx: EvalContext = {
        ...base,
        runGraph: () => {
          throw new Error("internal: subgraphs are not folded");
        },
      };
      const values = r.def.evaluate(consts, evalCtx);
      node.outputs.forEach((name, i) => {
        if (name && values[i] && values[i].size <= MAX_FOLD_ELEMENTS) {
          constants.set(name, values[i]);
          types.set(name, { dtype: values[i].dtype, shape: values[i].shape });
        }
      });
    }
  }
  return { types, constants };
}

function hasSubgraph(node: Node): boolean {
  for (const a of node.attrs.values()) if (a.type === "graph" || a.type === "graphs") return true;
  return false;
}
