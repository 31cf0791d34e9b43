import { nodeError, QmcError } from "../diagnostics.js";
import type { Graph, Model, Node } from "../ir/graph.js";
import { normalizeValues, type Tensor } from "../ir/tensor.js";
import { Attrs, type EvalContext, type OpDef } from "../ops/define.js";
import { checkInputCount, refuseOversizedOutputs } from "../ops/evaluation-checks.js";
import { assertSupported, resolveOp } from "../ops/registry.js";

export interface NodeEvent {
  readonly node: Node;
  readonly graph: Graph;
  readonly inputs: readonly (Tensor | undefined)[];
  readonly outputs: readonly Tensor[];
}

export interface RunOptions {
  /** Called after every node of the main graph and of subgraphs (for --per-node checks). */
  readonly onNode?: (event: NodeEvent) => void;
}

/**
 * The reference interpreter: evaluates a model node by node with each op's reference semantics.
 * It is the oracle every target is compared with, so it favours plainness over speed.
 */
export class Interpreter {
  private readonly defs = new Map<Node, { def: OpDef; opset: number }>();

  constructor(
    readonly model: Model,
    readonly file = "model",
  ) {
    assertSupported(model, file);
    const bind = (graph: Graph) => {
      for (const node of graph.nodes) {
        const r = resolveOp(node, model.opsets);
        if ("problem" in r) throw new Error(`internal: ${r.problem}`);
        this.defs.set(node, r);
        for (const a of node.attrs.values()) {
          if (a.type === "graph") bind(a.value);
          if (a.type === "graphs") a.value.forEach(bind);
        }
      }
    };
    bind(model.graph);
  }

  /** Runs the main graph with its inputs in declaration order; returns its outputs in order. */
  run(inputs: readonly Tensor[], options: RunOptions = {}): Tensor[] {
    const graph = this.model.graph;
    if (inputs.length !== graph.inputs.length) {
      throw new QmcError(`${this.file}: the model takes ${graph.inputs.length} input(s), ${inputs.length} given`);
    }
    graph.inputs.forEach((info, i) => {
      const t = inputs[i];
      if (info.type.dtype && t.dtype !== info.type.dtype) {
        throw new QmcError(`${this.file}: input '${info.name}' is ${t.dtype}, the model expects ${info.type.dtype}`);
      }
      const shape = info.type.shape;
      if (shape && (shape.length !== t.rank || shape.some((d, k) => typeof d === "number" && d !== t.shape[k]))) {
        throw new QmcError(
          `${this.file}: input '${info.name}' has shape [${t.shape}], the model expects [${shape.map((d) => d ?? "?")}]`,
        );
      }
    });
    return this.runGraph(graph, inputs, new Map(), options);
  }

  private runGraph(
    graph: Graph,
    inputs: readonly Tensor[],
    outer: ReadonlyMap<string, Tensor>,
    options: RunOptions,
  ): Tensor[] {
    const values = new Map<string, Tensor>(outer);
    for (const [name, t] of graph.initializers) values.set(name, t);
    graph.inputs.forEach((info, i) => {
      if (inputs[i] !== undefined) values.set(info.name, inputs[i]);
    });
    for (const node of graph.nodes) {
      const args = node.inputs.map((name) => (name === "" ? undefined : values.get(name)));
      const outputs = this.evaluate(node, args, values, options);
      node.outputs.forEach((name, i) => {
        if (name && outputs[i]) values.set(name, outputs[i]);
      });
      options.onNode?.({ node, graph, inputs: args, outputs });
    }
    return graph.outputs.map((o) => {
      const v = values.get(o.name);
      if (!v) throw new QmcError(`${this.file}: graph '${graph.name}' output '${o.name}' was not computed`);
      return v;
    });
  }

  private evaluate(
    node: Node,
    args: readonly (Tensor | undefined)[],
    scope: ReadonlyMap<string, Tensor>,
    options: RunOptions,
  ): Tensor[] {
    const bound = this.defs.get(node);
    if (!bound) throw new Error(`internal: node ${node.name} was not bound`);
    const { def, opset } = bound;
    const ctx: EvalContext = {
      node,
      opset,
      attrs: new Attrs(node),
      error: (what) => nodeError(node, what),
      runGraph: (g, inputs) => this.runGraph(g, inputs, scope, options),
    };
    checkInputCount(def, args.length, ctx);
    refuseOversizedOutputs(def, args, ctx);
    let outputs: Tensor[];
    try {
      outputs = def.evaluate(args, ctx);
    } catch (e) {
      if (e instanceof QmcError) throw e;
      throw new QmcError(`${nodeError(node, `evaluation failed: ${(e as Error).message}`).message}`, 3);
    }
    for (const t of outputs) if (t) normalizeValues(t.dtype, t.data);
    return outputs;
  }
}
