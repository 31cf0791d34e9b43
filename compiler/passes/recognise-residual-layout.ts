import { attr, makeNode } from "../ir/editor.js";
import type { Node } from "../ir/graph.js";
import type { Pass } from "./pass.js";
import { eitherOrder, intsAttr, Matcher } from "./recognise-match.js";

/**
 * A convolution's residual added in the convolution's layout and transposed back, as onnxruntime's
 * transpose optimizer leaves it in the exporter's standard-ops form (export.py runs ORT's basic
 * level over it):
 *
 *   r = Transpose(Add(Conv(..) = c, Transpose(x, P)), Q)     with Q undoing P
 *
 * becomes the model as written, r = Add(Transpose(c, Q), x) (the RSSG's `conv(y).permute(0, 2, 3,
 * 1) + x`). Transposes move values without arithmetic, so the sum is the same bit for bit. Only a
 * Conv's output is moved: the same shape with another operand (the RSSB's `x * skip_scale2 +
 * CAB(..)`) is how the model itself is written, in both forms, and stays. Where
 * the untransposed sum has other readers, they read Transpose(r, P), which the next residual in
 * the chain folds away the same way; the compact form's layout, and so its kernel plan, results.
 */
export const recogniseResidualLayout: Pass = {
  name: "recognise-residual-layout",
  summary: "Transpose(Add(c, Transpose(x, P)), P^-1) -> Add(Transpose(c, P^-1), x)",
  run(model, file) {
    const m = new Matcher(model, file, "recognise-residual-layout");
    // The layout transpose written for other readers has the same shape as the pattern, backwards:
    // it is never a starting point, or the two forms would rewrite into each other forever.
    const written = new Set<Node>();
    for (let found = next(m, written); found; found = next(m, written)) {
      const { back, sum, c, x, perm } = found;
      const moved = m.fresh(`${c}.transposed`);
      const r = back.outputs[0];
      const others = m.readersOf(sum.outputs[0]).filter((n) => n !== back);
      const layout = makeNode(
        "Transpose",
        "ai.onnx",
        [r],
        [...sum.outputs],
        { perm: attr.ints(perm) },
        `${sum.name}.layout`,
      );
      written.add(layout);
      m.replace(back, []);
      m.replace(sum, [
        makeNode("Transpose", "ai.onnx", [c], [moved], { perm: attr.ints(intsAttr(back, "perm") ?? []) }, back.name),
        makeNode("Add", "ai.onnx", [moved, x], [r], {}, sum.name),
        ...(others.length > 0 ? [layout] : []),
      ]);
    }
    return m.finish([]);
  },
};

interface Found {
  readonly back: Node;
  readonly sum: Node;
  readonly c: string;
  readonly x: string;
  readonly perm: readonly number[];
}

function next(m: Matcher, written: ReadonlySet<Node>): Found | undefined {
  for (const back of m.g.nodes) {
    if (back.opType !== "Transpose" || back.domain !== "ai.onnx" || written.has(back)) continue;
    const sum = m.maybe(back.inputs[0], "Add");
    const q = intsAttr(back, "perm");
    if (!sum || !q) continue;
    for (const [c, t] of eitherOrder(sum)) {
      const inner = m.maybe(c, "Conv") && m.maybe(t, "Transpose");
      const p = inner && intsAttr(inner, "perm");
      if (inner && p && p.length === q.length && q.every((_, i) => p[q[i]] === i)) {
        return { back, sum, c, x: inner.inputs[0], perm: p };
      }
    }
  }
  return undefined;
}
