import { attr, makeNode } from "../ir/editor.js";
import type { Node } from "../ir/graph.js";
import type { Pass } from "./pass.js";
import { fail, intsAttr, Matcher, sameList } from "./recognise-match.js";

/**
 * SS2D's scan, its merge and the transpose to tokens before out_norm,
 *
 *   y = qmc.QSelectiveScan(u, ...)                    (B, 4E, L)
 *   t = Transpose(CrossMerge(Reshape(y) -> (B, 4, E, L), x_like), [0, 2, 1])    (B, L, E)
 *
 * become t = qmc.QSelectiveScan(u, ..., x_like) with merge = 1: the scan kernel adds each direction's
 * steps into the merged, token-major output in CrossMerge's order ((y0 + y2) + y1) + y3, so the
 * values are the same bit for bit, and the (B, 4E, L) output, the merge's pass over it and the
 * transpose's go. Only where each value in the chain has that one reader; the Reshape only splits
 * the channel axis (checked by its shapes at every probe size, recognise-match.ts).
 */
export const fuseScanMerge: Pass = {
  name: "fuse-scan-merge",
  summary: "Transpose(CrossMerge(qmc.QSelectiveScan)) -> the scan writes the merged tokens (merge = 1)",
  run(model, file) {
    const m = new Matcher(model, file, "fuse-scan-merge");
    for (const scan of model.graph.nodes.filter((n) => n.domain === "qmc" && n.opType === "QSelectiveScan")) {
      if (scan.attrs.has("merge")) continue;
      m.attempt(scan, "a scan not fused with its CrossMerge", () => {
        const { like, transpose } = matchMerge(m, scan);
        const inputs = [...scan.inputs];
        while (inputs.length < 7) inputs.push("");
        m.replace(transpose, []);
        m.replace(scan, [
          makeNode(
            "QSelectiveScan",
            "qmc",
            [...inputs, like],
            [...transpose.outputs],
            { ...Object.fromEntries(scan.attrs), merge: attr.int(1) },
            scan.name,
          ),
        ]);
      });
    }
    return m.finish([]);
  },
};

/** The only reader of `value`, which must be an `opType` of `domain`. */
function onlyReader(m: Matcher, value: string, domain: string, opType: string, what: string): Node {
  const readers = m.readersOf(value);
  if (m.g.isGraphOutput(value) || readers.length !== 1) fail(`${what} has other readers`);
  const [n] = readers;
  if (n.domain !== domain || n.opType !== opType || n.inputs[0] !== value) fail(`${what} is read by ${n.opType}`);
  return n;
}

function matchMerge(m: Matcher, scan: Node): { like: string; transpose: Node } {
  const y = scan.outputs[0];
  const reshape = onlyReader(m, y, "ai.onnx", "Reshape", "the scan's output");
  const merge = onlyReader(m, reshape.outputs[0], "ai.qmambair", "CrossMerge", "the reshaped scan output");
  const transpose = onlyReader(m, merge.outputs[0], "ai.onnx", "Transpose", "the merged output");
  if (!sameList(intsAttr(transpose, "perm") ?? [], [0, 2, 1])) fail("the merge's transpose is not [0, 2, 1]");
  const like = merge.inputs[1];
  // The merged kernel sums the scan's own directions: B's (B, G, N, L) must have G = 4.
  if (m.shapes(scan.inputs[3]).some((s) => s[1] !== 4)) fail("the scan does not run 4 directions");
  const split = m.shapes(reshape.outputs[0]);
  const likes = m.shapes(like);
  m.shapes(y).forEach(([B, GE, L], k) => {
    const want = [B, 4, GE / 4, L];
    const [, , H, W] = likes[k];
    if (!sameList(split[k], want) || H * W !== L) fail(`the reshape is not (B, 4E, L) -> (B, 4, E, L) with L = H*W`);
  });
  return { like, transpose };
}
