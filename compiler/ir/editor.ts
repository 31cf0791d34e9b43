import { type Attr, type Graph, type Model, type Node, nodeReads } from "./graph.js";
import type { Tensor } from "./tensor.js";

/**
 * A mutable working copy of a model's main graph for passes: look up producers and consumers,
 * replace nodes, add constants, and build the next immutable Model. Node order stays topological
 * as long as a replacement reads only what the replaced node could read.
 */
export class GraphEditor {
  readonly nodes: Node[];
  readonly initializers: Map<string, Tensor>;
  private readonly opsets: Map<string, number>;
  private counter = 0;

  constructor(private readonly model: Model) {
    this.nodes = [...model.graph.nodes];
    this.initializers = new Map(model.graph.initializers);
    this.opsets = new Map(model.opsets);
  }

  producer(value: string): Node | undefined {
    return this.nodes.find((n) => n.outputs.includes(value));
  }

  consumers(value: string): Node[] {
    return this.nodes.filter((n) => n.inputs.includes(value));
  }

  isGraphOutput(value: string): boolean {
    return this.model.graph.outputs.some((o) => o.name === value);
  }

  constant(value: string): Tensor | undefined {
    return value ? this.initializers.get(value) : undefined;
  }

  /** A fresh value name derived from `base`, unique in this graph. */
  fresh(base: string): string {
    let name: string;
    do name = `${base}__qmc${this.counter++}`;
    while (this.initializers.has(name) || this.nodes.some((n) => n.outputs.includes(name)));
    return name;
  }

  addConstant(base: string, tensor: Tensor): string {
    const name = this.fresh(base);
    this.initializers.set(name, tensor);
    return name;
  }

  replace(old: Node, replacement: Node[]): void {
    const i = this.nodes.indexOf(old);
    if (i < 0) throw new Error(`internal: node ${old.name} is not in the graph`);
    this.nodes.splice(i, 1, ...replacement);
  }

  useDomain(domain: string, version: number): void {
    this.opsets.set(domain, version);
  }

  /** Drops nodes none of whose outputs is read (transitively), then initializers nobody reads. */
  removeDead(): void {
    const live = new Set(this.model.graph.outputs.map((o) => o.name));
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i];
      if (n.outputs.some((o) => live.has(o))) for (const v of nodeReads(n)) live.add(v);
      else this.nodes.splice(i, 1);
    }
    for (const name of [...this.initializers.keys()]) if (!live.has(name)) this.initializers.delete(name);
  }

  build(): Model {
    const graph: Graph = { ...this.model.graph, nodes: this.nodes, initializers: this.initializers };
    return { ...this.model, graph, opsets: this.opsets };
  }
}

export function makeNode(
  opType: string,
  domain: string,
  inputs: string[],
  outputs: string[],
  attrs: Record<string, Attr>,
  name: string,
): Node {
  return { opType, domain, inputs, outputs, attrs: new Map(Object.entries(attrs)), name };
}

export const attr = {
  int: (value: number): Attr => ({ type: "int", value }),
  float: (value: number): Attr => ({ type: "float", value }),
  floats: (value: readonly number[]): Attr => ({ type: "floats", value }),
  ints: (value: readonly number[]): Attr => ({ type: "ints", value }),
  string: (value: string): Attr => ({ type: "string", value }),
};
