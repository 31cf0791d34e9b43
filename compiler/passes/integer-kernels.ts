import { attr, GraphEditor, makeNode } from "../ir/editor.js";
import type { Attr, Node } from "../ir/graph.js";
import type { Pass } from "./pass.js";
import { type QdqPair, qdqPairAt } from "./qdq-pairs.js";

/**
 * MatMul and Conv whose weight is a folded DequantizeCodes and whose activation comes straight out
 * of a quantizer (ActQuant, DlsQuant, or a QuantizeLinear -> DequantizeLinear pair) become
 * qmc.QMatMul / qmc.QConv: int x int products accumulated in int32 with the asymmetric-offset
 * correction terms and a float epilogue. The quantizer stays for any other reader.
 */
export const integerKernels: Pass = {
  name: "integer-kernels",
  summary: "quantized activation x folded weights -> qmc.QMatMul / qmc.QConv (int32 accumulation)",
  run(model) {
    const g = new GraphEditor(model);
    for (const node of [...g.nodes]) {
      if (node.domain !== "ai.onnx") continue;
      if (node.opType === "MatMul") {
        const [a, b] = node.inputs;
        const wa = weightOf(g, a);
        const wb = weightOf(g, b);
        const weight = wb ?? wa;
        const act = activationOf(g, wb ? a : b);
        if (!weight || !act || (wa && wb)) continue;
        g.replace(node, [
          makeNode(
            "QMatMul",
            "qmc",
            [act.input, weight.codes],
            [...node.outputs],
            {
              ...act.attrs,
              ...weight.attrs,
              weight_first: attr.int(wb ? 0 : 1),
            },
            node.name,
          ),
        ]);
      } else if (node.opType === "Conv") {
        const weight = weightOf(g, node.inputs[1]);
        const act = activationOf(g, node.inputs[0]);
        if (!weight || !act || act.attrs.x_mode.value === "dls") continue;
        const conv = Object.fromEntries(node.attrs);
        g.replace(node, [
          makeNode(
            "QConv",
            "qmc",
            [act.input, weight.codes, ...node.inputs.slice(2)],
            [...node.outputs],
            {
              ...conv,
              ...act.attrs,
              ...weight.attrs,
            },
            node.name,
          ),
        ]);
      }
    }
    g.removeDead();
    return g.build();
  },
};

interface WeightMatch {
  readonly codes: string;
  readonly attrs: Record<string, Attr>;
}

function weightOf(g: GraphEditor, value: string): WeightMatch | undefined {
  const dq = g.producer(value);
  if (dq?.domain !== "qmc" || dq.opType !== "DequantizeCodes" || !g.constant(dq.inputs[0])) return undefined;
  const get = (k: string) => dq.attrs.get(k) as Attr;
  return { codes: dq.inputs[0], attrs: { w_bits: get("bits"), w_alpha: get("alpha"), w_beta: get("beta") } };
}

interface ActivationMatch {
  readonly input: string;
  readonly attrs: Record<string, Attr> & { x_mode: { type: "string"; value: string } };
}

function activationOf(g: GraphEditor, value: string): ActivationMatch | undefined {
  const q = g.producer(value);
  if (!q) return undefined;
  const int = (n: Node, k: string, d: number) => {
    const a = n.attrs.get(k);
    return a?.type === "int" ? a.value : d;
  };
  if (q.domain === "ai.qmambair" && q.opType === "ActQuant") {
    const [alpha, beta] = [g.constant(q.inputs[1]), g.constant(q.inputs[2])];
    if (!alpha || !beta) return undefined;
    return {
      input: q.inputs[0],
      attrs: {
        x_mode: { type: "string", value: "act" },
        x_bits: attr.int(int(q, "bits", 8)),
        x_signed: attr.int(int(q, "signed", 0)),
        x_params: attr.floats([Math.fround(alpha.item()), Math.fround(beta.item())]),
      },
    };
  }
  if (q.domain === "ai.qmambair" && q.opType === "DlsQuant") {
    const w = g.constant(q.inputs[1]);
    if (!w) return undefined;
    return {
      input: q.inputs[0],
      attrs: {
        x_mode: { type: "string", value: "dls" },
        x_bits: attr.int(int(q, "bits", 8)),
        x_signed: attr.int(int(q, "signed", 0)),
        x_params: attr.floats(Array.from(w.values, Math.fround)),
      },
    };
  }
  const pair = qdqPairAt(g, q);
  if (pair) {
    const { scale, zeroPoint, dtype } = pair.grid;
    return {
      input: quantizedInput(g, pair),
      attrs: {
        x_mode: { type: "string", value: "linear" },
        x_bits: attr.int(8),
        x_signed: attr.int(dtype === "int8" ? 1 : 0),
        x_params: attr.floats([scale, zeroPoint]),
      },
    };
  }
  return undefined;
}

/**
 * Which value a kernel quantizing through `pair` reads: the float value the pair quantizes when only
 * Conv and MatMul read the pair's result (the pair then goes away); else the dequantized value
 * itself, which the other readers need anyway. Requantizing it gives the same codes:
 * fl(fl(u * scale) / scale) is within 255 * 2^-23 of the integer u, so it rounds back to u.
 */
function quantizedInput(g: GraphEditor, pair: QdqPair): string {
  const readers = g.consumers(pair.output);
  const kernelsOnly = readers.every((n) => n.domain === "ai.onnx" && (n.opType === "Conv" || n.opType === "MatMul"));
  return kernelsOnly && !g.isGraphOutput(pair.output) ? pair.input : pair.output;
}
