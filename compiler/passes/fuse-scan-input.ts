import { attr, GraphEditor, makeNode } from "../ir/editor.js";
import type { Attr } from "../ir/graph.js";
import type { Pass } from "./pass.js";

/** The scan inputs a kernel can quantize as it reads them, by position, and their params' prefix. */
const QUANTIZED_INPUTS = [
  { input: 0, prefix: "u" },
  { input: 3, prefix: "b" },
  { input: 4, prefix: "c" },
] as const;

/**
 * qmc.QSelectiveScan(DlsQuant(u), delta, A, DlsQuant(B), DlsQuant(C), ...) becomes
 * qmc.QSelectiveScan(u, delta, A, B, C, ...) with <p>_bits, <p>_signed and <p>_w for p = u, b, c: the
 * scan kernel quantizes each as it reads it (same statistics, same codes and values), so the separate
 * DlsQuant passes that write whole quantized tensors, and the scan's reread of them, go. Only where
 * the scan is the quantized tensor's one reader, at one input: another would need it written anyway.
 */
export const fuseScanInput: Pass = {
  name: "fuse-scan-input",
  summary: "qmc.QSelectiveScan with DlsQuant-ed u, B, C -> the scan quantizes them as it reads them",
  run(model) {
    const g = new GraphEditor(model);
    for (const node of g.nodes.filter((n) => n.domain === "qmc" && n.opType === "QSelectiveScan")) {
      const inputs = [...node.inputs];
      const added: Record<string, Attr> = {};
      for (const { input, prefix } of QUANTIZED_INPUTS) {
        const xq = node.inputs[input];
        if (!xq || node.attrs.has(`${prefix}_w`)) continue;
        const q = g.producer(xq);
        if (q?.domain !== "ai.qmambair" || q.opType !== "DlsQuant") continue;
        if (g.isGraphOutput(xq) || g.consumers(xq).length !== 1) continue;
        if (node.inputs.filter((v) => v === xq).length !== 1) continue;
        const w = g.constant(q.inputs[1]);
        const bits = q.attrs.get("bits");
        const signed = q.attrs.get("signed");
        if (w?.size !== 8 || bits?.type !== "int") continue;
        inputs[input] = q.inputs[0];
        added[`${prefix}_bits`] = attr.int(bits.value);
        added[`${prefix}_signed`] = attr.int(signed?.type === "int" ? signed.value : 0);
        added[`${prefix}_w`] = attr.floats(Array.from(w.values, Math.fround));
      }
      if (Object.keys(added).length === 0) continue;
      g.replace(node, [
        makeNode(
          "QSelectiveScan",
          "qmc",
          inputs,
          [...node.outputs],
          { ...Object.fromEntries(node.attrs), ...added },
          node.name,
        ),
      ]);
    }
    g.removeDead();
    return g.build();
  },
};
