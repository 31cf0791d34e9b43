import type { Attr, Graph, Model } from "./graph.js";
import type { Tensor } from "./tensor.js";

/**
 * A model as text, one node per line (`%y = Conv(%x, @w) {group=28}`), for --dump-after and for
 * reading what a pass did. `@name` is a constant (initializer), `%name` a computed value.
 */
export function printModel(model: Model): string {
  const lines = [`# opsets: ${[...model.opsets].map(([d, v]) => `${d} ${v}`).join(", ")}`];
  printGraph(model.graph, lines, "");
  return `${lines.join("\n")}\n`;
}

function printGraph(g: Graph, lines: string[], indent: string): void {
  const ref = (v: string) => (v === "" ? "_" : g.initializers.has(v) ? `@${v}` : `%${v}`);
  lines.push(
    `${indent}graph ${g.name}(${g.inputs.map((i) => `%${i.name}`).join(", ")}) -> (${g.outputs.map((o) => ref(o.name)).join(", ")})`,
  );
  for (const [name, t] of g.initializers) lines.push(`${indent}  @${name}: ${tensorText(t)}`);
  for (const n of g.nodes) {
    const op = n.domain === "ai.onnx" ? n.opType : `${n.domain}.${n.opType}`;
    const attrs = [...n.attrs]
      .filter(([, a]) => a.type !== "graph" && a.type !== "graphs")
      .map(([k, a]) => `${k}=${attrText(a)}`);
    lines.push(
      `${indent}  ${n.outputs.map(ref).join(", ")} = ${op}(${n.inputs.map(ref).join(", ")})${attrs.length ? ` {${attrs.join(", ")}}` : ""}`,
    );
    for (const [k, a] of n.attrs) {
      if (a.type === "graph") {
        lines.push(`${indent}    ${k}:`);
        printGraph(a.value, lines, `${indent}    `);
      }
    }
  }
}

function tensorText(t: Tensor): string {
  const head = `${t.dtype}[${t.shape.join(", ")}]`;
  if (t.size > 8) return head;
  return `${head} ${Array.isArray(t.data) ? JSON.stringify(t.data) : `[${Array.from(t.values).join(", ")}]`}`;
}

function attrText(a: Attr): string {
  switch (a.type) {
    case "tensor":
      return tensorText(a.value);
    case "tensors":
      return `[${a.value.map(tensorText).join(", ")}]`;
    case "string":
      return JSON.stringify(a.value);
    case "ints":
    case "floats":
    case "strings":
      return `[${a.value.map((v) => (typeof v === "string" ? JSON.stringify(v) : String(v))).join(", ")}]`;
    case "int":
    case "float":
      return String(a.value);
    default:
      return a.type;
  }
}
