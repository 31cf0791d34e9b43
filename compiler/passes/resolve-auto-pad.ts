import { attr, makeNode } from "../ir/editor.js";
import type { Node } from "../ir/graph.js";
import { Attrs } from "../ops/define.js";
import { resolveWindow, type WindowAttrs } from "../ops/support/window.js";
import type { Pass } from "./pass.js";
import { fail, Matcher } from "./recognise-match.js";

/** The windowed ops whose SAME pads this pass writes out, and the input holding each one's weights. */
const WINDOWED: ReadonlyMap<string, number | undefined> = new Map([
  ["Conv", 1],
  ["ConvInteger", 1],
  ["QLinearConv", 3],
  ["MaxPool", undefined],
  ["AveragePool", undefined],
]);

/**
 * auto_pad SAME_UPPER / SAME_LOWER (TensorFlow and Keras exports) becomes explicit pads where they
 * are the same at every planned size: always at stride 1 and at a fixed size, and at larger strides
 * where the image size is a multiple of them. Kernels then see explicit pads only, as PyTorch writes
 * them (the pools and integer convs take no SAME). Pads that follow the image size stay SAME, noted.
 */
export const resolveAutoPad: Pass = {
  name: "resolve-auto-pad",
  summary: "SAME auto_pad -> explicit pads, where they do not change with the image size",
  run(model, file) {
    const m = new Matcher(model, file, "resolve-auto-pad");
    for (const node of [...m.g.nodes]) {
      if (node.domain !== "ai.onnx" || !WINDOWED.has(node.opType)) continue;
      const a = node.attrs.get("auto_pad");
      const autoPad = a?.type === "string" ? a.value : undefined;
      if (autoPad !== "SAME_UPPER" && autoPad !== "SAME_LOWER") continue;
      m.attempt(node, `auto_pad ${autoPad} left as it is`, () => resolve(m, node, autoPad));
    }
    return m.finish([]);
  },
};

function resolve(m: Matcher, node: Node, autoPad: "SAME_UPPER" | "SAME_LOWER"): void {
  const a = new Attrs(node);
  const weights = WINDOWED.get(node.opType);
  const inputs = m.shapes(node.inputs[0]);
  const rank = inputs[0].length - 2;
  const kernel = node.attrs.has("kernel_shape")
    ? a.ints("kernel_shape")
    : weights === undefined
      ? fail("it has no 'kernel_shape'")
      : m.shapes(node.inputs[weights])[0].slice(2);
  const ones = new Array<number>(rank).fill(1);
  const window: WindowAttrs = {
    autoPad,
    kernel,
    strides: a.ints("strides", ones),
    dilations: a.ints("dilations", ones),
    pads: [],
    ceilMode: false,
  };
  const pads = inputs.map((shape) => {
    const w = resolveWindow(window, shape.slice(2));
    return [...w.padsBegin, ...w.padsEnd];
  });
  if (pads.some((p) => p.join() !== pads[0].join())) {
    const seen = inputs.map((s, k) => `[${pads[k]}] at ${s.slice(2).join("x")}`).join(", ");
    fail(`its pads change with the image size (${seen}); export explicit pads or compile at a fixed size`);
  }
  const attrs = Object.fromEntries([...node.attrs].filter(([k]) => k !== "auto_pad"));
  m.replace(node, [
    makeNode(
      node.opType,
      node.domain,
      [...node.inputs],
      [...node.outputs],
      { ...attrs, pads: attr.ints(pads[0]) },
      node.name,
    ),
  ]);
}
