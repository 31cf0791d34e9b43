import { nodeError, type QmcError, terminalText } from "../diagnostics.js";
import type { DType } from "../ir/dtype.js";
import type { Attr, Graph, Node, TypeInfo } from "../ir/graph.js";
import type { Tensor } from "../ir/tensor.js";

/**
 * One operator's semantics, in one place: attribute reading, the shape/type rule used by shape
 * inference, and the reference evaluation that the interpreter runs and every target is checked
 * against. A definition covers the opset versions since..until (inclusive) of its domain; where the
 * op changed within that range (attribute became input, ...), the functions read `ctx.opset`.
 */
export interface OpDef {
  readonly domain: string;
  readonly type: string;
  readonly since: number;
  readonly until?: number;
  /** Accepted input count (optional trailing inputs may be omitted or ""). */
  readonly inputs: readonly [min: number, max: number];
  readonly shape: (inputs: readonly (TypeInfo | undefined)[], ctx: ShapeContext) => TypeInfo[];
  readonly evaluate: (inputs: readonly (Tensor | undefined)[], ctx: EvalContext) => Tensor[];
}

export interface OpContext {
  readonly node: Node;
  readonly opset: number;
  readonly attrs: Attrs;
  /** An error that names this node; throw it for anything the user's model got wrong. */
  error(what: string): QmcError;
}

export interface ShapeContext extends OpContext {
  /** The value of input i when it is a constant known at compile time. */
  constant(i: number): Tensor | undefined;
}

export interface EvalContext extends OpContext {
  /** Runs a subgraph (If, Loop, Scan) with the given inputs; enclosing values stay visible. */
  runGraph(graph: Graph, inputs: readonly Tensor[]): Tensor[];
}

export function defineOp(def: Omit<OpDef, "domain"> & { domain?: string }): OpDef {
  return Object.freeze({ domain: "ai.onnx", ...def });
}

type AttrValue<K extends Attr["type"]> = Extract<Attr, { type: K }>["value"];

/** Typed access to a node's attributes; a missing or mistyped attribute is an error naming the node. */
export class Attrs {
  constructor(private readonly node: Node) {}

  has(name: string): boolean {
    return this.node.attrs.has(name);
  }

  int(name: string, fallback?: number): number {
    return this.get(name, "int", fallback);
  }

  float(name: string, fallback?: number): number {
    const a = this.node.attrs.get(name);
    // Some exporters write integral float attributes as ints.
    if (a?.type === "int") return a.value;
    return this.get(name, "float", fallback);
  }

  string(name: string, fallback?: string): string {
    return this.get(name, "string", fallback);
  }

  ints(name: string, fallback?: readonly number[]): readonly number[] {
    return this.get(name, "ints", fallback);
  }

  floats(name: string, fallback?: readonly number[]): readonly number[] {
    return this.get(name, "floats", fallback);
  }

  strings(name: string, fallback?: readonly string[]): readonly string[] {
    return this.get(name, "strings", fallback);
  }

  tensor(name: string, fallback?: Tensor): Tensor {
    return this.get(name, "tensor", fallback);
  }

  graph(name: string): Graph {
    return this.get(name, "graph", undefined);
  }

  /** An enumerated string attribute, checked against the values the op defines. */
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.string(name, fallback);
    if (!(allowed as readonly string[]).includes(v)) {
      throw nodeError(
        this.node,
        `attribute '${name}' is '${terminalText(v)}', expected one of ${allowed.map((a) => `'${a}'`).join(", ")}`,
      );
    }
    return v as T;
  }

  private get<K extends Attr["type"]>(name: string, type: K, fallback: AttrValue<K> | undefined): AttrValue<K> {
    const a = this.node.attrs.get(name);
    if (!a) {
      if (fallback === undefined) throw nodeError(this.node, `missing required attribute '${name}'`);
      return fallback;
    }
    if (a.type !== type) throw nodeError(this.node, `attribute '${name}' is ${a.type}, expected ${type}`);
    return a.value as AttrValue<K>;
  }
}

/**
 * The context for evaluating one node outside the interpreter, where no subgraph can run: callers
 * evaluate only ops without one, so `runGraph` throws the internal error `noSubgraph`.
 */
export function standaloneEvalContext(node: Node, opset: number, noSubgraph: string): EvalContext {
  return {
    node,
    opset,
    attrs: new Attrs(node),
    error: (what) => nodeError(node, what),
    runGraph: () => {
      throw new Error(noSubgraph);
    },
  };
}

/** The element type of input i, which shape rules use to type their outputs. */
export function dtypeOf(inputs: readonly (TypeInfo | undefined)[], i: number): DType | undefined {
  return inputs[i]?.dtype;
}
