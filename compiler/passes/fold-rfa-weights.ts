import { nodeError, QmcError } from "../diagnostics.js";
import { attr, GraphEditor, makeNode } from "../ir/editor.js";
import { Tensor } from "../ir/tensor.js";
import { standaloneEvalContext } from "../ops/define.js";
import { bitsAttr } from "../ops/support/qmambair.js";
import { rfaCodes } from "../quant/rfa.js";
import type { Pass } from "./pass.js";

/**
 * RfaQuant(W, alpha, beta, a) with every input constant becomes the integer codes of W (computed
 * once, with the learned thresholds: the paper's pre-deployment weight quantization) and a
 * qmc.DequantizeCodes that maps them back. The thresholds are gone after this pass.
 */
export const foldRfaWeights: Pass = {
  name: "fold-rfa-weights",
  summary: "RfaQuant of constant weights -> int codes + (alpha, beta)",
  run(model, file) {
    const g = new GraphEditor(model);
    for (const node of g.nodes.filter((n) => n.domain === "ai.qmambair" && n.opType === "RfaQuant")) {
      const [w, alpha, beta, a] = node.inputs.map((i) => g.constant(i));
      if (!w || !alpha || !beta || !a) {
        throw new QmcError(
          `${file}: ${nodeError(node, "weights and quantizer parameters must be constants (initializers) to fold").message}`,
        );
      }
      // The op's own checks: bits in 2..8 and 2^bits allocation points.
      const bits = bitsAttr(standaloneEvalContext(node, 1, "internal: RfaQuant has no subgraph"));
      if (a.size !== 2 ** bits) {
        throw new QmcError(
          `${file}: ${nodeError(node, `input 'a' has ${a.size} values, expected 2^bits = ${2 ** bits}`).message}`,
        );
      }
      const codes = rfaCodes(w.values, alpha.item(), beta.item(), a.values, bits);
      const name = g.addConstant(`${node.inputs[0]}.codes`, new Tensor("int8", w.shape, codes));
      const attrs = {
        bits: attr.int(bits),
        alpha: attr.floats([Math.fround(alpha.item())]),
        beta: attr.floats([Math.fround(beta.item())]),
        axis: attr.int(0),
      };
      g.replace(node, [makeNode("DequantizeCodes", "qmc", [name], [...node.outputs], attrs, node.name)]);
    }
    g.useDomain("qmc", 1);
    g.removeDead();
    return g.build();
  },
};
