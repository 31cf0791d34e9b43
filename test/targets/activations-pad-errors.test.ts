import { describe, expect, it } from "vitest";
import { emitJs } from "../../targets/js/emit.js";
import { emit } from "../wasm/support.js";
import { type Dim, int, type KernelSpec, oneKernelPlan, shape, str } from "./harness.js";

const act = (...dims: Dim[]) => ({ activation: shape(...dims) });
const NCHW = (c: number) => shape(1, c, "h", "w");

/** Kernels that cannot run as asked say what they expected, on the js and the wasm target alike. */
const BAD: { what: string; spec: KernelSpec; message: RegExp }[] = [
  {
    what: "Pad in a mode ONNX does not define",
    spec: {
      kind: "Pad",
      attrs: { mode: str("symmetric") },
      inputs: [act(1, 2, "h", "w"), { ints: [0, 0, 1, 1, 0, 0, 1, 1] }],
      outputs: [shape(1, 2, { c: 2, h: 1, w: 0, hw: 0 }, { c: 2, h: 0, w: 1, hw: 0 })],
    },
    message: /mode' is 'symmetric', expected 'constant', 'reflect', 'edge' or 'wrap'/,
  },
  {
    what: "Pad whose pads depend on the input size",
    spec: { kind: "Pad", inputs: [act(1, 2, "h", "w"), null], outputs: [NCHW(2)] },
    message: /pads \(input 1\) are not known when compiling/,
  },
  {
    what: "Pad whose output disagrees with its pads",
    spec: { kind: "Pad", inputs: [act(1, 2, "h", "w"), { ints: [0, 0, 1, 0, 0, 0, 0, 0] }], outputs: [NCHW(2)] },
    message: /output axis 2 is h, expected h \+ 1/,
  },
  {
    what: "PRelu whose slope would broadcast X",
    spec: { kind: "PRelu", inputs: [act(1, 1, "h", "w"), act(1, 3, "h", "w")], outputs: [NCHW(3)] },
    message: /slope of shape \[1, 3, h, w\] does not broadcast to X's shape \[1, 1, h, w\]/,
  },
  {
    what: "SpaceToDepth on a size the block does not divide",
    spec: {
      kind: "SpaceToDepth",
      attrs: { blocksize: int(2) },
      inputs: [act(1, 2, 5, 6)],
      outputs: [shape(1, 8, 2, 3)],
    },
    message: /input size 5 on axis 2 is not blocksize 2 times the output's 2/,
  },
  {
    what: "BatchNormalization in training mode",
    spec: {
      kind: "BatchNormalization",
      attrs: { training_mode: int(1) },
      inputs: [act(1, 2, "h", "w"), ...[0, 1, 2, 3].map(() => ({ constant: [1, 1], shape: [2] }))],
      outputs: [NCHW(2)],
    },
    message: /training mode .* not supported; expected the inference form/,
  },
  {
    what: "BatchNormalization with a scale per element",
    spec: {
      kind: "BatchNormalization",
      inputs: [
        act(1, 2, "h", "w"),
        { constant: [1, 1, 1, 1], shape: [2, 2] },
        ...[0, 1, 2].map(() => ({ constant: [1, 1], shape: [2] })),
      ],
      outputs: [NCHW(2)],
    },
    message: /scale has shape \[2, 2\], expected \[2\] \(one value per channel\)/,
  },
];

describe("activation, Pad, SpaceToDepth and BatchNormalization kernels refuse what they cannot run", () => {
  for (const c of BAD) {
    it(c.what, async () => {
      const plan = oneKernelPlan(c.spec);
      expect(() => emitJs(plan, { compilerVersion: "test" })).toThrow(c.message);
      await expect(emit(plan, "simd")).rejects.toThrow(c.message);
    });
  }
});
