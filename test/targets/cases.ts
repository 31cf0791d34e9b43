import { rng } from "../support/random.js";
import { ACTIVATION_PAD_CASES } from "./cases-activations-pad.js";
import { MATMUL_EDGE_CASES } from "./cases-matmul.js";
import { RESIZE_CONVT_CASES } from "./cases-resize-convt.js";
import { UNARY_MATH_CASES } from "./cases-unary-math.js";
import { WASM_TWIN_CASES } from "./cases-wasm-twins.js";
import { WINOGRAD_CASES } from "./cases-winograd.js";
import { type Dim, float, int, ints, type KernelSpec, shape, str } from "./harness.js";

const HW: Dim = "hw";
const NCHW = (c: number) => shape(1, c, "h", "w");
const act = (...dims: Dim[]) => ({ activation: shape(...dims) });
const weights = (dims: number[], seed: number, lo = -1, hi = 1) => {
  const rnd = rng(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return { constant: Array.from({ length: n }, () => Math.fround(lo + rnd() * (hi - lo))), shape: dims };
};

/** One kernel per case, with the reference op it must agree with. */
export interface Case {
  readonly name: string;
  readonly spec: KernelSpec;
  /** Quantizers must agree bit for bit; float kernels within rtol 1e-5, atol 1e-6. */
  readonly exact?: boolean;
  /** Why the wasm targets refuse this case (they must, with that message); absent: they agree bit for bit. */
  readonly wasmRefuses?: string;
  /** Value range of each activation input, by input index (default [-2, 2]). */
  readonly ranges?: Record<number, [number, number]>;
}

const unary = (kind: string, attrs: KernelSpec["attrs"] = {}, extra: KernelSpec["inputs"] = []): Case => ({
  name: `${kind} ${JSON.stringify(attrs)}`,
  spec: { kind, attrs, inputs: [act(1, 3, "h", "w"), ...extra], outputs: [NCHW(3)] },
});

/** Transpose of an activation with dims `dims` by `perm`. */
const transpose = (what: string, perm: number[], dims: Dim[]): Case => ({
  name: `Transpose ${what}`,
  spec: {
    kind: "Transpose",
    attrs: { perm: ints(perm) },
    inputs: [act(...dims)],
    outputs: [shape(...perm.map((p) => dims[p]))],
  },
});

/**
 * A float Conv the targets must match bit for bit: an input of dims `x`, constant weights of dims `w`
 * drawn from `seed` and (unless `bias` is false) a bias drawn from seed + 1; the output's dims `y`
 * default to w[0] channels at the input's h x w.
 */
/** DepthToSpace of `channels` output channels with block `b`: (1, c b^2, h, w) -> (1, c, b h, b w). */
const depthToSpace = (name: string, b: number, channels: number, mode: "DCR" | "CRD"): Case => ({
  name,
  spec: {
    kind: "DepthToSpace",
    attrs: { blocksize: int(b), ...(mode === "CRD" ? { mode: str("CRD") } : {}) },
    inputs: [act(1, channels * b * b, "h", "w")],
    outputs: [shape(1, channels, { c: 0, h: b, w: 0, hw: 0 }, { c: 0, h: 0, w: b, hw: 0 })],
  },
});

const conv = (
  name: string,
  attrs: KernelSpec["attrs"],
  x: Dim[],
  w: number[],
  seed: number,
  { bias = true, y }: { bias?: boolean; y?: Dim[] } = {},
): Case => ({
  name,
  exact: true,
  spec: {
    kind: "Conv",
    attrs,
    inputs: [act(...x), weights(w, seed), ...(bias ? [weights([w[0]], seed + 1)] : [])],
    outputs: [y ? shape(...y) : NCHW(w[0])],
  },
});

const CONV_CASES: Case[] = [
  conv("Conv 3x3 pad 1 with bias", { pads: ints([1, 1, 1, 1]) }, [1, 4, "h", "w"], [6, 4, 3, 3], 1),
  {
    name: "Conv 3x3 pad 1, weights computed at run time",
    exact: true,
    spec: {
      kind: "Conv",
      attrs: { pads: ints([1, 1, 1, 1]) },
      inputs: [act(1, 4, "h", "w"), act(6, 4, 3, 3)],
      outputs: [NCHW(6)],
    },
  },
  conv("Conv 1x1 without bias", {}, [1, 4, "h", "w"], [5, 4, 1, 1], 3, { bias: false }),
  conv(
    "Conv depthwise 3x3 dilation 2 pad 2",
    { group: int(4), pads: ints([2, 2, 2, 2]), dilations: ints([2, 2]) },
    [1, 4, "h", "w"],
    [4, 1, 3, 3],
    4,
  ),
  conv(
    "Conv grouped (2 groups) 3x3 SAME_UPPER",
    { group: int(2), auto_pad: str("SAME_UPPER") },
    [1, 4, "h", "w"],
    [6, 2, 3, 3],
    6,
    { bias: false },
  ),
  conv(
    "Conv stride 2 on a fixed size",
    { strides: ints([2, 2]), pads: ints([1, 0, 1, 1]) },
    [1, 3, 9, 8],
    [4, 3, 3, 3],
    7,
    { y: [1, 4, 5, 4] },
  ),
  conv(
    "Conv 5x3 stride 2x1, dilation 1x2, uneven pads",
    { strides: ints([2, 1]), dilations: ints([1, 2]), pads: ints([2, 0, 1, 1]) },
    [1, 3, 11, 21],
    [4, 3, 5, 3],
    16,
    { y: [1, 4, 5, 18] },
  ),
  // Every row width from 1 to 21 through the SIMD register blocks of both lane layouts: four output
  // channels a vector (6 channels: a full block and one of 2 lanes), and four columns a vector
  // (depthwise, asymmetric left/right pads): border columns, whole blocks, the overlapping last one.
  ...Array.from({ length: 21 }, (_, i) =>
    conv(
      `Conv 3x3 pad 1, 5 -> 6 channels, width ${i + 1}`,
      { pads: ints([1, 1, 1, 1]) },
      [1, 5, 3, i + 1],
      [6, 5, 3, 3],
      40,
      {
        y: [1, 6, 3, i + 1],
      },
    ),
  ),
  ...Array.from({ length: 21 }, (_, i) =>
    conv(
      `Conv depthwise 3x3 pads 1 2 1 0, width ${i + 1}`,
      { group: int(2), pads: ints([1, 2, 1, 0]) },
      [1, 2, 3, i + 1],
      [2, 1, 3, 3],
      42,
      { y: [1, 2, 3, i + 1] },
    ),
  ),
  conv(
    "Conv 5x5 pad 2, 1 -> 9 channels (a block of one lane)",
    { pads: ints([2, 2, 2, 2]) },
    [1, 1, "h", "w"],
    [9, 1, 5, 5],
    44,
  ),
  conv(
    "Conv 3x3 dilation 2 pad 2, 3 -> 7 channels, no bias",
    { pads: ints([2, 2, 2, 2]), dilations: ints([2, 2]) },
    [1, 3, "h", "w"],
    [7, 3, 3, 3],
    46,
    { bias: false },
  ),
  conv(
    "Conv 3x3 SAME_LOWER stride 2, 3 -> 5 channels",
    { auto_pad: str("SAME_LOWER"), strides: ints([2, 2]) },
    [1, 3, 9, 12],
    [5, 3, 3, 3],
    47,
    { y: [1, 5, 5, 6] },
  ),
  conv(
    "Conv 2x2 SAME_LOWER, 4 -> 4 channels (the odd pad at the top and left)",
    { auto_pad: str("SAME_LOWER") },
    [1, 4, "h", "w"],
    [4, 4, 2, 2],
    49,
  ),
  conv(
    "Conv grouped (2 groups of 5 output channels) 3x3 pad 1",
    { group: int(2), pads: ints([1, 1, 1, 1]) },
    [1, 4, "h", "w"],
    [10, 2, 3, 3],
    51,
  ),
  conv(
    "Conv depthwise multiplier 2, 3x3 pads 0 1 2 1, no bias",
    { group: int(3), pads: ints([0, 1, 2, 1]) },
    [1, 3, "h", "w"],
    [6, 1, 3, 3],
    53,
    { bias: false },
  ),
  conv(
    "Conv depthwise multiplier 2, 3x3 stride 2 pad 1",
    { group: int(3), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) },
    [1, 3, 9, 14],
    [6, 1, 3, 3],
    54,
    { y: [1, 6, 5, 7] },
  ),
  conv("Conv 1x1, 6 -> 1 channel (four columns a vector)", {}, [1, 6, "h", "w"], [1, 6, 1, 1], 56),
  conv(
    "Conv 1x1 pad 1, 6 -> 8 channels (rows and columns of bias only)",
    { pads: ints([1, 1, 1, 1]) },
    [1, 6, "h", "w"],
    [8, 6, 1, 1],
    60,
    { y: [1, 8, { c: 2, h: 1, w: 0, hw: 0 }, { c: 2, h: 0, w: 1, hw: 0 }] },
  ),
  conv("Conv 9x9 pad 4, 2 -> 4 channels", { pads: ints([4, 4, 4, 4]) }, [1, 2, "h", "w"], [4, 2, 9, 9], 58),
  // Several blocks of output channels in the SIMD layout: five blocks of eight, each with its own
  // border columns; then, at stride 2, a short last block.
  conv(
    "Conv 3x3 pad 1, 2 -> 40 channels (border columns of five channel blocks)",
    { pads: ints([1, 1, 1, 1]) },
    [1, 2, "h", "w"],
    [40, 2, 3, 3],
    59,
  ),
  conv(
    "Conv 3x3 stride 2 pad 1, 2 -> 37 channels (a short last channel block)",
    { pads: ints([1, 1, 1, 1]), strides: ints([2, 2]) },
    [1, 2, 9, 12],
    [37, 2, 3, 3],
    60,
    { y: [1, 37, 5, 6] },
  ),
];

export const CASES: Case[] = [
  ...ACTIVATION_PAD_CASES,
  ...UNARY_MATH_CASES,
  ...RESIZE_CONVT_CASES,
  ...WASM_TWIN_CASES,
  ...CONV_CASES,
  ...WINOGRAD_CASES,
  {
    name: "MatMul tokens x weight",
    spec: { kind: "MatMul", inputs: [act(1, HW, 8), weights([8, 6], 9)], outputs: [shape(1, HW, 6)] },
    exact: true,
  },
  {
    name: "MatMul weight x activation",
    spec: { kind: "MatMul", inputs: [weights([6, 4], 10), act(1, 4, HW)], outputs: [shape(1, 6, HW)] },
    exact: true,
  },
  {
    name: "MatMul with broadcast batch dims",
    spec: { kind: "MatMul", inputs: [act(2, 1, 3, 4), act(1, 3, 4, "w")], outputs: [shape(2, 3, 3, "w")] },
    exact: true,
  },
  ...MATMUL_EDGE_CASES,
  {
    name: "Gemm transB with bias row, alpha and beta",
    spec: {
      kind: "Gemm",
      attrs: { transB: int(1), alpha: float(0.5), beta: float(2) },
      inputs: [act(3, 4), weights([5, 4], 11), weights([5], 12)],
      outputs: [shape(3, 5)],
    },
    exact: true,
  },
  {
    name: "Expand a per-channel vector over the image",
    spec: {
      kind: "Expand",
      inputs: [act(1, 3, 1, 1), { sizedShape: NCHW(3) }],
      outputs: [NCHW(3)],
    },
  },
  {
    name: "Expand a scalar to one plane (a noise-level map)",
    spec: { kind: "Expand", inputs: [weights([], 91), { sizedShape: NCHW(1) }], outputs: [NCHW(1)] },
  },
  {
    name: "Expand a row and add leading dims (numpy broadcasting both ways)",
    spec: {
      kind: "Expand",
      inputs: [act(2, 1, "w"), { sizedShape: shape(1, 3, 1, 1, 1) }],
      outputs: [shape(1, 3, 2, 1, "w")],
    },
  },
  {
    name: "Tile one plane to three channels (x.repeat(1, 3, 1, 1))",
    spec: { kind: "Tile", inputs: [act(1, 1, "h", "w"), { ints: [1, 3, 1, 1] }], outputs: [NCHW(3)] },
    exact: true,
  },
  {
    name: "Tile every axis, the image ones too",
    spec: {
      kind: "Tile",
      inputs: [act(1, 2, "h", "w"), { ints: [2, 1, 2, 3] }],
      outputs: [shape(2, 2, { c: 0, h: 2, w: 0, hw: 0 }, { c: 0, h: 0, w: 3, hw: 0 })],
    },
    exact: true,
  },
  {
    name: "Tile a 3-D tensor along its last axis",
    spec: { kind: "Tile", inputs: [act(2, "h", 3), { ints: [1, 1, 4] }], outputs: [shape(2, "h", 12)] },
    exact: true,
  },
  {
    name: "Max broadcast (torch.maximum with a per-channel floor)",
    spec: { kind: "Max", inputs: [act(1, 4, "h", "w"), act(1, 4, 1, 1)], outputs: [NCHW(4)] },
  },
  {
    name: "Min of three inputs, folded left to right",
    spec: {
      kind: "Min",
      inputs: [act(1, 2, "h", "w"), act(1, 1, "h", 1), weights([1], 92)],
      outputs: [NCHW(2)],
    },
  },
  {
    name: "Add same shape",
    spec: { kind: "Add", inputs: [act(1, 4, "h", "w"), act(1, 4, "h", "w")], outputs: [NCHW(4)] },
  },
  {
    name: "Add broadcast both ways",
    spec: { kind: "Add", inputs: [act(1, 4, 1, "w"), act(1, 1, "h", 1)], outputs: [NCHW(4)] },
  },
  {
    name: "Mul by per-channel constant",
    spec: { kind: "Mul", inputs: [act(1, 4, "h", "w"), weights([1, 4, 1, 1], 13)], outputs: [NCHW(4)] },
  },
  {
    name: "Sub a vector",
    spec: { kind: "Sub", inputs: [act(1, HW, 4), weights([4], 14)], outputs: [shape(1, HW, 4)] },
  },
  {
    name: "Div by a scalar",
    spec: { kind: "Div", inputs: [act(1, 3, "h", "w"), weights([], 15, 1, 2)], outputs: [NCHW(3)] },
  },
  {
    name: "Pow squared",
    spec: { kind: "Pow", inputs: [act(1, 3, "h", "w"), { constant: [2], shape: [] }], outputs: [NCHW(3)] },
  },
  {
    name: "Pow general",
    spec: { kind: "Pow", inputs: [act(1, 3, "h", "w"), act(1, 1, "h", "w")], outputs: [NCHW(3)] },
    wasmRefuses: "Pow with a computed exponent: the wasm targets compute only squares",
    ranges: { 0: [0.1, 3] },
  },
  unary("Sigmoid"),
  unary("Relu"),
  unary("LeakyRelu", { alpha: float(0.2) }),
  unary("Tanh"),
  unary("Erf"),
  unary("Gelu"),
  unary("Gelu", { approximate: str("tanh") }),
  unary("Softplus"),
  unary("Exp"),
  unary("Sqrt"),
  unary("Neg"),
  unary("Abs"),
  unary("Clip", {}, [
    { constant: [-0.5], shape: [] },
    { constant: [0.75], shape: [] },
  ]),
  transpose("NCHW -> NHWC", [0, 2, 3, 1], [1, 3, "h", "w"]),
  // Six and five channels: 4x4 register blocks (wasm SIMD) with edges along both axes.
  transpose("NCHW -> NHWC, 6 channels", [0, 2, 3, 1], [1, 6, "h", "w"]),
  transpose("NHWC -> NCHW, 5 channels", [0, 3, 1, 2], [1, "h", "w", 5]),
  transpose("(1, 7, L) -> (1, L, 7)", [0, 2, 1], [1, 7, HW]),
  transpose("keeping the last axis", [0, 2, 1, 3], [1, 3, "h", "w"]),
  {
    name: "LayerNormalization over channels",
    spec: {
      kind: "LayerNormalization",
      attrs: { epsilon: float(1e-5) },
      inputs: [act(1, HW, 6), weights([6], 16), weights([6], 17)],
      outputs: [shape(1, HW, 6)],
    },
  },
  {
    name: "LayerNormalization over 9 channels, one scale, no bias",
    spec: {
      kind: "LayerNormalization",
      attrs: { epsilon: float(1e-3) },
      inputs: [act(1, HW, 9), weights([1], 18)],
      outputs: [shape(1, HW, 9)],
    },
  },
  {
    name: "GlobalAveragePool",
    spec: { kind: "GlobalAveragePool", inputs: [act(1, 5, "h", "w")], outputs: [shape(1, 5, 1, 1)] },
  },
  {
    name: "ReduceMean over H, W (axes input)",
    spec: {
      kind: "ReduceMean",
      opset: 18,
      inputs: [act(1, 4, "h", "w"), { ints: [2, 3] }],
      outputs: [shape(1, 4, 1, 1)],
    },
  },
  {
    name: "ReduceMean over channels, no keepdims (axes attribute)",
    spec: {
      kind: "ReduceMean",
      opset: 13,
      attrs: { axes: ints([-3]), keepdims: int(0) },
      inputs: [act(1, 4, "h", "w")],
      outputs: [shape(1, "h", "w")],
    },
  },
  depthToSpace("DepthToSpace DCR", 2, 2, "DCR"),
  depthToSpace("DepthToSpace CRD", 3, 1, "CRD"),
  // The wasm interleaving of b runs (b vectors in, b out) for every b the families use.
  depthToSpace("DepthToSpace DCR, block 3 over 2 channels", 3, 2, "DCR"),
  depthToSpace("DepthToSpace DCR, block 4 over 3 channels", 4, 3, "DCR"),
  depthToSpace("DepthToSpace CRD, block 2 over 3 channels", 2, 3, "CRD"),
  {
    name: "Concat on channels",
    spec: {
      kind: "Concat",
      attrs: { axis: int(1) },
      inputs: [act(1, 3, "h", "w"), act(1, 2, "h", "w")],
      outputs: [NCHW(5)],
    },
  },
  {
    name: "Concat on the last axis",
    spec: {
      kind: "Concat",
      attrs: { axis: int(-1) },
      inputs: [act(1, 2, "h", "w"), act(1, 2, "h", 1)],
      outputs: [shape(1, 2, "h", { c: 1, h: 0, w: 1, hw: 0 })],
    },
  },
  {
    name: "Split channels [2, 4]",
    spec: {
      kind: "Split",
      opset: 13,
      attrs: { axis: int(1) },
      inputs: [act(1, 6, "h", "w"), { ints: [2, 4] }],
      outputs: [NCHW(2), NCHW(4)],
    },
  },
  {
    name: "Slice channels 1:5:2",
    spec: {
      kind: "Slice",
      inputs: [act(1, 6, "h", "w"), { ints: [1] }, { ints: [5] }, { ints: [1] }, { ints: [2] }],
      outputs: [NCHW(2)],
    },
  },
  {
    name: "Slice the last axis 2:9",
    spec: {
      kind: "Slice",
      inputs: [act(1, "h", "w", 11), { ints: [2] }, { ints: [9] }, { ints: [3] }],
      outputs: [shape(1, "h", "w", 7)],
    },
  },
  {
    name: "Slice a crop of the image, x[:, :, 1:-1, 2:] (axes that follow the image size)",
    spec: {
      kind: "Slice",
      inputs: [act(1, 2, "h", "w"), { ints: [1, 2] }, { ints: [-1, 1 << 30] }, { ints: [2, 3] }],
      outputs: [shape(1, 2, { c: -2, h: 1, w: 0, hw: 0 }, { c: -2, h: 0, w: 1, hw: 0 })],
    },
  },
  {
    name: "Slice flipping the width (torch.flip: start INT64_MAX, step -1) and the height from -1",
    spec: {
      kind: "Slice",
      inputs: [
        act(1, 2, "h", "w"),
        { ints: [-1, 2 ** 53 - 1] },
        { ints: [-(2 ** 53), -(2 ** 53)] },
        { ints: [2, 3] },
        { ints: [-1, -1] },
      ],
      outputs: [NCHW(2)],
    },
  },
  {
    name: "ActQuant 4-bit signed",
    exact: true,
    spec: {
      kind: "ActQuant",
      domain: "ai.qmambair",
      attrs: { bits: int(4), signed: int(1) },
      inputs: [
        act(1, 4, "h", "w"),
        { constant: [Math.fround(0.1)], shape: [] },
        { constant: [Math.fround(0.3)], shape: [] },
      ],
      outputs: [NCHW(4)],
    },
  },
  {
    name: "ActQuant 2-bit unsigned",
    exact: true,
    spec: {
      kind: "ActQuant",
      domain: "ai.qmambair",
      attrs: { bits: int(2), signed: int(0) },
      inputs: [
        act(1, 4, "h", "w"),
        { constant: [Math.fround(0.7)], shape: [] },
        { constant: [Math.fround(1.1)], shape: [] },
      ],
      outputs: [NCHW(4)],
    },
  },
  {
    name: "DlsQuant 4-bit signed (the paper's start)",
    exact: true,
    spec: {
      kind: "DlsQuant",
      domain: "ai.qmambair",
      attrs: { bits: int(4), signed: int(1) },
      inputs: [act(1, 4, "h", "w"), { constant: [0, 3 / 7, 0, 0, -1, 0, 0, 0].map(Math.fround), shape: [8] }],
      outputs: [NCHW(4)],
    },
  },
  {
    name: "DlsQuant 2-bit unsigned, all weights used",
    exact: true,
    spec: {
      kind: "DlsQuant",
      domain: "ai.qmambair",
      attrs: { bits: int(2), signed: int(0) },
      inputs: [
        act(1, 3, "h", "w"),
        { constant: [0.3, 0.2, -0.1, 0.05, -0.7, 0.1, 0.2, -0.15].map(Math.fround), shape: [8] },
      ],
      outputs: [NCHW(3)],
    },
    ranges: { 0: [0, 3] },
  },
  {
    name: "CrossScan",
    spec: { kind: "CrossScan", domain: "ai.qmambair", inputs: [act(1, 3, "h", "w")], outputs: [shape(1, 4, 3, HW)] },
  },
  {
    name: "CrossMerge",
    spec: {
      kind: "CrossMerge",
      domain: "ai.qmambair",
      inputs: [act(1, 4, 3, HW), act(1, 3, "h", "w")],
      outputs: [shape(1, 3, HW)],
    },
  },
  {
    name: "SelectiveScan, 4 directions",
    exact: true,
    spec: {
      kind: "SelectiveScan",
      domain: "ai.qmambair",
      attrs: { delta_softplus: int(1) },
      inputs: [
        act(1, 8, HW),
        act(1, 8, HW),
        weights([8, 3], 18, -2, -0.1),
        act(1, 4, 3, HW),
        act(1, 4, 3, HW),
        weights([8], 19),
        weights([8], 20),
      ],
      outputs: [shape(1, 8, HW)],
    },
  },
  {
    name: "SelectiveScan, 1 direction of 3 channels, state size 1, large delta (both softplus branches), A of both signs",
    exact: true,
    spec: {
      kind: "SelectiveScan",
      domain: "ai.qmambair",
      attrs: { delta_softplus: int(1) },
      inputs: [act(1, 3, HW), act(1, 3, HW), weights([3, 1], 21, -4, 0.05), act(1, 1, 1, HW), act(1, 1, 1, HW)],
      outputs: [shape(1, 3, HW)],
    },
    ranges: { 1: [15, 25] },
  },
  {
    name: "SelectiveScan, 1 direction of 4 channels (one f32x4), no softplus, no D, no delta bias, L = h",
    exact: true,
    spec: {
      kind: "SelectiveScan",
      domain: "ai.qmambair",
      attrs: { delta_softplus: int(0) },
      inputs: [act(1, 4, "h"), act(1, 4, "h"), weights([4, 2], 22, -2, -0.1), act(1, 1, 2, "h"), act(1, 1, 2, "h")],
      outputs: [shape(1, 4, "h")],
    },
    ranges: { 1: [0, 1] },
  },
  {
    name: "SelectiveScan, 2 f32x4 of channels, state size 5, delta -30..30 and A -6..3.5 (dt A beyond both exp32 clamps)",
    exact: true,
    spec: {
      kind: "SelectiveScan",
      domain: "ai.qmambair",
      attrs: { delta_softplus: int(1) },
      inputs: [
        act(1, 8, HW),
        act(1, 8, HW),
        weights([8, 5], 26, -6, 3.5),
        act(1, 1, 5, HW),
        act(1, 1, 5, HW),
        weights([8], 27),
        weights([8], 28),
      ],
      outputs: [shape(1, 8, HW)],
    },
    ranges: { 1: [-30, 30] },
  },
  {
    name: "SelectiveScan, 2 directions of 6 channels (four in f32x4 lanes, two alone), state size 3",
    exact: true,
    spec: {
      kind: "SelectiveScan",
      domain: "ai.qmambair",
      attrs: { delta_softplus: int(1) },
      inputs: [
        act(1, 12, HW),
        act(1, 12, HW),
        weights([12, 3], 23, -2, -0.1),
        act(1, 2, 3, HW),
        act(1, 2, 3, HW),
        weights([12], 24),
        weights([12], 25),
      ],
      outputs: [shape(1, 12, HW)],
    },
  },
];
