import { bitsOf } from "../ir/dtype.js";
import type { Dim, Graph, Model, ValueInfo } from "../ir/graph.js";
import { findUnsupported } from "../ops/registry.js";

export interface ModelSummary {
  readonly irVersion: number;
  readonly producer: string;
  readonly opsets: Record<string, number>;
  readonly inputs: ValueSummary[];
  readonly outputs: ValueSummary[];
  readonly nodeCount: number;
  /** domain -> op -> count, main graph and subgraphs together. */
  readonly ops: Record<string, Record<string, number>>;
  readonly parameters: {
    readonly count: number;
    readonly bytes: number;
    readonly byDType: Record<string, { count: number; bytes: number }>;
  };
  readonly customDomains: Record<string, string[]>;
  readonly inlinedFunctions: readonly string[];
  readonly unsupported: { node: string; op: string; domain: string; opset: number | null; problem: string }[];
}

export interface ValueSummary {
  readonly name: string;
  readonly dtype: string | null;
  /** Sizes, symbolic names, or null for unknown; null for the whole shape when even the rank is unknown. */
  readonly shape: Dim[] | null;
}

/** Everything `qmc inspect` reports, as data (printing lives in the CLI). */
export function summarizeModel(model: Model): ModelSummary {
  const ops: Record<string, Record<string, number>> = {};
  let nodeCount = 0;
  const byDType: Record<string, { count: number; bytes: number }> = {};
  const walk = (g: Graph) => {
    for (const [, t] of g.initializers) {
      byDType[t.dtype] ??= { count: 0, bytes: 0 };
      const entry = byDType[t.dtype];
      entry.count += t.size;
      entry.bytes += Math.ceil((t.size * bitsOf(t.dtype)) / 8);
    }
    for (const n of g.nodes) {
      nodeCount++;
      ops[n.domain] ??= {};
      const d = ops[n.domain];
      d[n.opType] = (d[n.opType] ?? 0) + 1;
      for (const a of n.attrs.values()) {
        if (a.type === "graph") walk(a.value);
        if (a.type === "graphs") a.value.forEach(walk);
      }
    }
  };
  walk(model.graph);
  const values = Object.values(byDType);
  const customDomains = Object.fromEntries(
    Object.entries(ops)
      .filter(([d]) => d !== "ai.onnx")
      .map(([d, m]) => [d, Object.keys(m).sort()]),
  );
  return {
    irVersion: model.irVersion,
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(" "),
    opsets: Object.fromEntries(model.opsets),
    inputs: model.graph.inputs.map(valueSummary),
    outputs: model.graph.outputs.map(valueSummary),
    nodeCount,
    ops,
    parameters: {
      count: values.reduce((s, v) => s + v.count, 0),
      bytes: values.reduce((s, v) => s + v.bytes, 0),
      byDType,
    },
    customDomains,
    inlinedFunctions: model.inlinedFunctions,
    unsupported: findUnsupported(model).map((u) => ({
      node: u.node.name,
      op: u.node.opType,
      domain: u.node.domain,
      opset: u.opset ?? null,
      problem: u.problem,
    })),
  };
}

function valueSummary(v: ValueInfo): ValueSummary {
  return { name: v.name, dtype: v.type.dtype ?? null, shape: v.type.shape ? [...v.type.shape] : null };
}
