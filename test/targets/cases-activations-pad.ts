import { rng } from "../support/random.js";
import type { Case } from "./cases.js";
import { type Dim, float, int, ints, type KernelInput, type KernelSpec, shape, str } from "./harness.js";

/** Edge-shape cases for PRelu, HardSigmoid, HardSwish, Pad, SpaceToDepth and BatchNormalization. */

const act = (...dims: Dim[]) => ({ activation: shape(...dims) });
const constant = (dims: number[], seed: number, lo = -1, hi = 1) => {
  const rnd = rng(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return { constant: Array.from({ length: n }, () => Math.fround(lo + rnd() * (hi - lo))), shape: dims };
};
/** h or w times k, plus c. */
const h = (k: number, c = 0): Dim => ({ c, h: k, w: 0, hw: 0 });
const w = (k: number, c = 0): Dim => ({ c, h: 0, w: k, hw: 0 });

const prelu = (what: string, x: Dim[], slope: KernelInput): Case => ({
  name: `PRelu ${what}`,
  spec: { kind: "PRelu", inputs: [act(...x), slope], outputs: [shape(...x)] },
});

/** Pad at opset 21: pads as input 1, then an optional constant value and axes. */
const pad = (
  what: string,
  mode: string,
  x: Dim[],
  pads: number[],
  out: Dim[],
  extra: { value?: number; axes?: number[] } = {},
): Case => {
  const inputs: KernelInput[] = [act(...x), { ints: pads }];
  if (extra.value !== undefined || extra.axes) {
    inputs.push(extra.value === undefined ? null : { constant: [Math.fround(extra.value)], shape: [] });
  }
  if (extra.axes) inputs.push({ ints: extra.axes });
  return {
    name: `Pad ${mode} ${what}`,
    spec: { kind: "Pad", attrs: { mode: str(mode) }, inputs, outputs: [shape(...out)] },
  };
};

const spaceToDepth = (what: string, b: number, x: Dim[], out: Dim[]): Case => ({
  name: `SpaceToDepth ${what}`,
  spec: { kind: "SpaceToDepth", attrs: { blocksize: int(b) }, inputs: [act(...x)], outputs: [shape(...out)] },
});

const batchNorm = (what: string, x: Dim[], c: number, attrs: KernelSpec["attrs"] = {}): Case => ({
  name: `BatchNormalization ${what}`,
  spec: {
    kind: "BatchNormalization",
    opset: 15,
    attrs,
    inputs: [act(...x), constant([c], 31), constant([c], 32), constant([c], 33), constant([c], 34, 0.05, 2)],
    outputs: [shape(...x)],
  },
});

export const ACTIVATION_PAD_CASES: Case[] = [
  prelu("per-channel slope [C, 1, 1]", [1, 5, "h", "w"], constant([5, 1, 1], 21)),
  prelu("scalar slope", [1, 3, "h", "w"], constant([], 22)),
  prelu("one-element slope [1]", [1, 3, "h", "w"], constant([1], 23)),
  prelu("slope along the last axis", [1, "hw", 6], constant([6], 24)),
  prelu("full slope computed at run time", [1, 3, "h", "w"], act(1, 3, "h", "w")),
  { ...unary("HardSigmoid"), ranges: { 0: [-4, 4] } },
  {
    ...unary("HardSigmoid", { alpha: float(Math.fround(1 / 3)), beta: float(Math.fround(0.4)) }),
    ranges: { 0: [-3, 3] },
  },
  { ...unary("HardSwish"), ranges: { 0: [-5, 5] } },
  pad(
    "H and W, constant value input",
    "constant",
    [1, 3, "h", "w"],
    [0, 0, 1, 2, 0, 0, 3, 1],
    [1, 3, h(1, 4), w(1, 3)],
    {
      value: 0.5,
    },
  ),
  pad("channels (whole planes of fill)", "constant", [1, 3, "h", "w"], [0, 1, 0, 0, 0, 2, 0, 0], [1, 6, "h", "w"]),
  pad("negative pads crop", "constant", [1, 3, "h", "w"], [0, 0, -1, 2, 0, 0, 1, -2], [1, 3, "h", "w"]),
  pad("axes input [-1, 2], default value", "constant", [1, 2, "h", "w"], [2, 1, 0, 3], [1, 2, h(1, 4), w(1, 2)], {
    axes: [-1, 2],
  }),
  pad("pads up to size - 1", "reflect", [1, 2, "h", "w"], [0, 0, 4, 5, 0, 0, 2, 1], [1, 2, h(1, 6), w(1, 6)]),
  pad(
    "pads beyond size - 1 (periodic), a size-1 axis",
    "reflect",
    [1, 3, 1, "w"],
    [0, 0, 2, 0, 0, 0, 1, 0],
    [1, 3, 4, "w"],
  ),
  pad(
    "pads beyond size - 1 on a fixed axis of 3",
    "reflect",
    [1, 2, 3, "w"],
    [0, 1, 5, 2, 0, 1, 4, 3],
    [1, 4, 12, w(1, 5)],
  ),
  pad(
    "pads beyond size - 1 on H and W",
    "reflect",
    [1, 1, "h", "w"],
    [0, 0, 9, 7, 0, 0, 6, 8],
    [1, 1, h(1, 15), w(1, 15)],
  ),
  pad("with a crop", "reflect", [1, 2, "h", "w"], [0, 0, -1, -2, 0, 0, 2, 3], [1, 2, h(1, 1), w(1, 1)]),
  pad(
    "circular, as PyTorch's circular padding exports",
    "wrap",
    [1, 2, "h", "w"],
    [0, 0, 1, 2, 0, 0, 1, 2],
    [1, 2, h(1, 2), w(1, 4)],
  ),
  pad(
    "pads beyond the size (periodic), a size-1 axis",
    "wrap",
    [1, 3, 1, "w"],
    [0, 0, 3, 5, 0, 0, 2, 7],
    [1, 3, 6, w(1, 12)],
  ),
  pad("on a fixed axis of 3, every axis", "wrap", [1, 2, 3, "w"], [0, 1, 4, 2, 0, 2, 5, 3], [1, 5, 12, w(1, 5)]),
  pad("with a crop", "wrap", [1, 2, "h", "w"], [0, 0, -1, 3, 0, 0, 2, -2], [1, 2, h(1, 1), w(1, 1)]),
  pad("every axis", "edge", [1, 3, "h", "w"], [0, 1, 2, 3, 0, 2, 1, 0], [1, 6, h(1, 3), w(1, 3)]),
  pad("with a crop", "edge", [1, 2, "h", "w"], [0, 0, 3, -1, 0, 0, -2, 4], [1, 2, h(1, 1), w(1, 3)]),
  pad("tokens (1, L, C) on channels", "edge", [1, "hw", 5], [0, 0, 2, 0, 0, 3], [1, "hw", 10]),
  {
    name: "Pad opset 10 (pads and value attributes)",
    spec: {
      kind: "Pad",
      opset: 10,
      attrs: { pads: ints([0, 0, 2, 1, 0, 0, 0, 2]), value: float(-1.5) },
      inputs: [act(1, 2, "h", "w")],
      outputs: [shape(1, 2, h(1, 2), w(1, 3))],
    },
  },
  spaceToDepth("blocksize 2", 2, [1, 3, h(2), w(2)], [1, 12, "h", "w"]),
  spaceToDepth("blocksize 3, fixed size", 3, [1, 2, 6, 9], [1, 18, 2, 3]),
  spaceToDepth("blocksize 4", 4, [1, 2, h(4), w(4)], [1, 32, "h", "w"]),
  spaceToDepth("blocksize 1", 1, [1, 2, "h", "w"], [1, 2, "h", "w"]),
  batchNorm("NCHW", [1, 4, "h", "w"], 4, { epsilon: float(Math.fround(1e-3)) }),
  batchNorm("batch of 2, (N, C, L)", [2, 3, "hw"], 3),
  batchNorm("(N, C) rows", ["h", 5], 5, { epsilon: float(Math.fround(0.5)) }),
];

function unary(kind: string, attrs: KernelSpec["attrs"] = {}): Case {
  return {
    name: `${kind} ${JSON.stringify(attrs)}`,
    spec: { kind, attrs, inputs: [act(1, 3, "h", "w")], outputs: [shape(1, 3, "h", "w")] },
  };
}
