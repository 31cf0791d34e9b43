import { attr, GraphEditor, makeNode } from "../ir/editor.js";
import type { Pass } from "./pass.js";

/**
 * qmc.QSelectiveScan(DlsQuant(u), ...) becomes qmc.QSelectiveScan(u, ...) with u_bits, u_signed and
 * u_w: the scan kernel quantizes u as it reads it (same statistics, same codes and values), so the
 * separate DlsQuant's pass that writes the whole quantized tensor, and the scan's reread of it, go.
 * Only where the scan is the quantized tensor's one reader: another would need it written anyway.
 */
export const fuseScanInput: Pass = {
  name: "fuse-scan-input",
  summary: "qmc.QSelectiveScan with DlsQuant-ed u -> the scan quantizes u as it reads it",
  run(model) {
    const g = new GraphEditor(model);
    for (const node of g.nodes.filter((n) => n.domain === "qmc" && n.opType === "QSelectiveScan")) {
      if (node.attrs.has("u_w")) continue;
      const uq = node.inputs[0];
      const q = g.producer(uq);
      if (q?.domain !== "ai.qmambair" || q.opType !== "DlsQuant") continue;
      if (g.isGraphOutput(uq) || g.consumers(uq).length !== 1 || node.inputs.indexOf(uq) !== 0) continue;
      const w = g.constant(q.inputs[1]);
      const bits = q.attrs.get("bits");
      const signed = q.attrs.get("signed");
      if (w?.size !== 8 || bits?.type !== "int") continue;
      const attrs = Object.fromEntries(node.attrs);
      g.replace(node, [
        makeNode(
          "QSelectiveScan",
          "qmc",
          [q.inputs[0], ...node.inputs.slice(1)],
          [...node.outputs],
          {
            ...attrs,
            u_bits: attr.int(bits.value),
            u_signed: attr.int(signed?.type === "int" ? signed.value : 0),
            u_w: attr.floats(Array.from(w.values, Math.fround)),
          },
          node.name,
        ),
      ]);
    }
    g.removeDead();
    return g.build();
  },
};
