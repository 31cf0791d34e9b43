import { QmcError, terminalText } from "../diagnostics.js";
import type { Graph, Model, Node } from "../ir/graph.js";
import { ONNX_OPS } from "./ai.onnx/index.js";
import { QMAMBAIR_OPS } from "./ai.qmambair/index.js";
import type { OpDef } from "./define.js";
import { QMC_OPS } from "./qmc/index.js";

/** The newest opset of each domain this compiler has semantics for. */
export const MAX_OPSET: ReadonlyMap<string, number> = new Map([
  ["ai.onnx", 27],
  ["ai.qmambair", 1],
  // The compiler's own ops, which passes introduce; never in a user's model.
  ["qmc", 1],
]);

const BY_KEY = new Map<string, OpDef[]>();
for (const def of [...ONNX_OPS, ...QMAMBAIR_OPS, ...QMC_OPS]) {
  const key = `${def.domain}::${def.type}`;
  BY_KEY.set(key, [...(BY_KEY.get(key) ?? []), def]);
}

export type Resolution = { readonly def: OpDef; readonly opset: number } | { readonly problem: string };

/** The definition of `node` under the model's opset imports, or why there is none. */
export function resolveOp(node: Node, opsets: ReadonlyMap<string, number>): Resolution {
  const opset = opsets.get(node.domain);
  if (opset === undefined)
    return { problem: `domain '${node.domain}' is not imported by the model (no opset_import entry)` };
  const max = MAX_OPSET.get(node.domain);
  if (max === undefined) return { problem: `unknown operator domain '${node.domain}'` };
  if (opset > max) return { problem: `opset ${opset} of '${node.domain}' is newer than the newest supported (${max})` };
  const defs = BY_KEY.get(`${node.domain}::${node.opType}`);
  if (!defs) return { problem: "unsupported operator" };
  const def = defs.find((d) => d.since <= opset && opset <= (d.until ?? max));
  if (!def) {
    const ranges = defs.map((d) => `${d.since}-${d.until ?? max}`).join(", ");
    return { problem: `opset ${opset} is not supported for this operator (supported: ${ranges})` };
  }
  return { def, opset };
}

export interface UnsupportedNode {
  readonly node: Node;
  readonly graph: string;
  readonly opset: number | undefined;
  readonly problem: string;
}

/** Every node, subgraphs included, that has no definition: all of them, not just the first. */
export function findUnsupported(model: Model): UnsupportedNode[] {
  const found: UnsupportedNode[] = [];
  const walk = (graph: Graph) => {
    for (const node of graph.nodes) {
      const r = resolveOp(node, model.opsets);
      if ("problem" in r)
        found.push({ node, graph: graph.name, opset: model.opsets.get(node.domain), problem: r.problem });
      for (const a of node.attrs.values()) {
        if (a.type === "graph") walk(a.value);
        if (a.type === "graphs") a.value.forEach(walk);
      }
    }
  };
  walk(model.graph);
  return found;
}

export function describeUnsupported(list: readonly UnsupportedNode[]): string {
  return list
    .map((u) => {
      const name = u.node.name ? `'${u.node.name}'` : "(unnamed)";
      // Escaped whole: a line break in a name or domain cannot start a line of the list.
      return `  ${terminalText(`node ${name} op ${u.node.opType} domain ${u.node.domain} opset ${u.opset ?? "-"}: ${u.problem}`)}`;
    })
    .join("\n");
}

export function assertSupported(model: Model, file: string): void {
  const list = findUnsupported(model);
  if (list.length) {
    throw new QmcError(`${file}: ${list.length} node(s) cannot be evaluated:\n${describeUnsupported(list)}`);
  }
}

/** Every (domain, op) pair that has a definition, for listings and the conformance manifest. */
export function supportedOps(): { domain: string; type: string; since: number; until?: number }[] {
  return [...BY_KEY.values()].flat().map(({ domain, type, since, until }) => ({ domain, type, since, until }));
}

export function isSupportedOpType(domain: string, type: string): boolean {
  return BY_KEY.has(`${domain}::${type}`);
}
