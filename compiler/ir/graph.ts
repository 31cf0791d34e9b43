import type { DType } from "./dtype.js";
import type { Tensor } from "./tensor.js";

/** A dimension: a size, a symbolic name (e.g. "H"), or null when nothing is known. */
export type Dim = number | string | null;

export interface TypeInfo {
  readonly dtype?: DType;
  /** Undefined when even the rank is unknown. */
  readonly shape?: readonly Dim[];
}

export interface ValueInfo {
  readonly name: string;
  readonly type: TypeInfo;
}

export type Attr =
  | { readonly type: "int"; readonly value: number }
  | { readonly type: "float"; readonly value: number }
  | { readonly type: "string"; readonly value: string }
  | { readonly type: "tensor"; readonly value: Tensor }
  | { readonly type: "graph"; readonly value: Graph }
  | { readonly type: "ints"; readonly value: readonly number[] }
  | { readonly type: "floats"; readonly value: readonly number[] }
  | { readonly type: "strings"; readonly value: readonly string[] }
  | { readonly type: "tensors"; readonly value: readonly Tensor[] }
  | { readonly type: "graphs"; readonly value: readonly Graph[] };

export interface Node {
  readonly name: string;
  readonly opType: string;
  /** "ai.onnx" for the default domain (ONNX's "" is normalised). */
  readonly domain: string;
  /** "" marks an omitted optional input or output. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: ReadonlyMap<string, Attr>;
}

export interface Graph {
  readonly name: string;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly initializers: ReadonlyMap<string, Tensor>;
  /** Topologically ordered. */
  readonly nodes: readonly Node[];
  readonly valueInfo: ReadonlyMap<string, ValueInfo>;
}

export interface Model {
  readonly irVersion: number;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly domain: string;
  readonly modelVersion: number;
  readonly docString: string;
  /** Domain -> opset version; "ai.onnx" for the default domain. */
  readonly opsets: ReadonlyMap<string, number>;
  readonly metadata: ReadonlyMap<string, string>;
  readonly graph: Graph;
  /** Names of the model-local functions that were inlined while decoding. */
  readonly inlinedFunctions: readonly string[];
}

export const DEFAULT_DOMAIN = "ai.onnx";

export function normalizeDomain(domain: string | null | undefined): string {
  return !domain || domain === "ai.onnx" ? DEFAULT_DOMAIN : domain;
}

/** Names a subgraph reads from enclosing scopes: used but neither produced nor declared inside it. */
export function outerReferences(graph: Graph): Set<string> {
  const local = new Set<string>([...graph.inputs.map((v) => v.name), ...graph.initializers.keys()]);
  const refs = new Set<string>();
  for (const node of graph.nodes) {
    for (const name of nodeReads(node)) if (name && !local.has(name)) refs.add(name);
    for (const out of node.outputs) if (out) local.add(out);
  }
  for (const out of graph.outputs) if (!local.has(out.name)) refs.add(out.name);
  return refs;
}

/** Every value a node needs before it runs: its inputs and what its subgraphs capture. */
export function nodeReads(node: Node): string[] {
  const reads = node.inputs.filter((i) => i !== "");
  for (const attr of node.attrs.values()) {
    if (attr.type === "graph") reads.push(...outerReferences(attr.value));
    if (attr.type === "graphs") for (const g of attr.value) reads.push(...outerReferences(g));
  }
  return reads;
}
