import { attr, GraphEditor, makeNode } from "../ir/editor.js";
import type { Pass } from "./pass.js";

/**
 * SelectiveScan(u, DlsQuant(delta), ...) becomes qmc.QSelectiveScan(u, delta, ...) with the
 * quantizer inside the scan kernel: delta then takes at most 2^bits values per call, so the kernel
 * tabulates exp(dt * A) per (channel, code, state) once per inference instead of per step.
 */
export const fuseScanDelta: Pass = {
  name: "fuse-scan-delta",
  summary: "SelectiveScan with DlsQuant-ed delta -> qmc.QSelectiveScan (exp(dt*A) from a per-inference table)",
  run(model) {
    const g = new GraphEditor(model);
    for (const node of g.nodes.filter((n) => n.domain === "ai.qmambair" && n.opType === "SelectiveScan")) {
      const q = g.producer(node.inputs[1]);
      if (q?.domain !== "ai.qmambair" || q.opType !== "DlsQuant") continue;
      const w = g.constant(q.inputs[1]);
      const bits = q.attrs.get("bits");
      const signed = q.attrs.get("signed");
      if (!w || bits?.type !== "int") continue;
      const inputs = [...node.inputs];
      inputs[1] = q.inputs[0];
      const softplus = node.attrs.get("delta_softplus");
      g.replace(node, [
        makeNode(
          "QSelectiveScan",
          "qmc",
          inputs,
          [...node.outputs],
          {
            delta_softplus: attr.int(softplus?.type === "int" ? softplus.value : 1),
            delta_bits: attr.int(bits.value),
            delta_signed: attr.int(signed?.type === "int" ? signed.value : 0),
            delta_w: attr.floats(Array.from(w.values, Math.fround)),
          },
          node.name,
        ),
      ]);
    }
    g.useDomain("qmc", 1);
    g.removeDead();
    return g.build();
  },
};
