import type { Attr } from "../../compiler/ir/graph.js";
import { rng } from "../support/random.js";
import type { Case } from "./cases.js";
import { type Dim, float, int, ints, shape, str } from "./harness.js";

/** Kernel cases for Resize, ConvTranspose, Softmax and InstanceNormalization (PyTorch's exports first). */

const act = (...dims: Dim[]) => ({ activation: shape(...dims) });
const weights = (dims: number[], seed: number, lo = -1, hi = 1) => {
  const rnd = rng(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return { constant: Array.from({ length: n }, () => Math.fround(lo + rnd() * (hi - lo))), shape: dims };
};
/** k times the image height or width. */
const times = (k: number, d: "h" | "w"): Dim => ({ c: 0, h: d === "h" ? k : 0, w: d === "w" ? k : 0, hw: 0 });

/** Resize of [1, 3, h, w] by the scales (sh, sw), which must keep the output polynomial in h and w. */
const resizeBy = (what: string, [sh, sw]: [number, number], attrs: Record<string, Attr>): Case => ({
  name: `Resize ${what}`,
  spec: {
    kind: "Resize",
    attrs,
    inputs: [act(1, 3, "h", "w"), null, { constant: [1, 1, sh, sw], shape: [4] }],
    outputs: [shape(1, 3, sh === 1 ? "h" : times(sh, "h"), sw === 1 ? "w" : times(sw, "w"))],
  },
});

/** Upsample-9 or Resize-10 ([X, scales], no coordinate attributes) of [1, 3, h, w] by (sh, sw). */
const legacyBy = (kind: "Upsample" | "Resize", opset: number, mode: string, [sh, sw]: [number, number]): Case => ({
  name: `${kind}-${opset} ${mode} x${sh}x${sw} (x_out / scale, nearest taking the floor)`,
  spec: {
    kind,
    opset,
    attrs: { mode: str(mode) },
    inputs: [act(1, 3, "h", "w"), { constant: [1, 1, sh, sw], shape: [4] }],
    outputs: [shape(1, 3, sh === 1 ? "h" : times(sh, "h"), sw === 1 ? "w" : times(sw, "w"))],
  },
});

/** Upsample-7 of [1, 3, h, w] by (sh, sw), its scales an attribute (opsets 7-8). */
const upsample7 = (mode: string, [sh, sw]: [number, number]): Case => ({
  name: `Upsample-7 ${mode} x${sh}x${sw} (scales as an attribute)`,
  spec: {
    kind: "Upsample",
    opset: 7,
    attrs: { mode: str(mode), scales: { type: "floats", value: [1, 1, sh, sw] } },
    inputs: [act(1, 3, "h", "w")],
    outputs: [shape(1, 3, times(sh, "h"), times(sw, "w"))],
  },
});

/** Resize of a fixed-size input to `sizes` (scales empty, as PyTorch writes it for size=...). */
const resizeTo = (what: string, input: number[], sizes: number[], attrs: Record<string, Attr>): Case => ({
  name: `Resize ${what}`,
  spec: {
    kind: "Resize",
    attrs,
    inputs: [act(...input), null, { constant: [], shape: [0] }, { ints: sizes }],
    outputs: [shape(...sizes)],
  },
});

const nearest = (coordinate: string, nearestMode: string) => ({
  mode: str("nearest"),
  coordinate_transformation_mode: str(coordinate),
  nearest_mode: str(nearestMode),
});
const linear = (coordinate: string) => ({ mode: str("linear"), coordinate_transformation_mode: str(coordinate) });
const cubic = (coordinate: string, a = -0.75) => ({
  mode: str("cubic"),
  coordinate_transformation_mode: str(coordinate),
  cubic_coeff_a: float(a),
});

const RESIZE_CASES: Case[] = [
  resizeBy("nearest x2, asymmetric floor (PyTorch nearest)", [2, 2], nearest("asymmetric", "floor")),
  legacyBy("Upsample", 9, "nearest", [2, 2]),
  upsample7("nearest", [2, 3]),
  upsample7("linear", [3, 2]),
  legacyBy("Upsample", 9, "linear", [2, 3]),
  legacyBy("Resize", 10, "nearest", [3, 2]),
  legacyBy("Resize", 10, "linear", [2, 2]),
  resizeBy("nearest x3, asymmetric floor", [3, 3], nearest("asymmetric", "floor")),
  resizeBy("nearest x3, half_pixel round_prefer_floor", [3, 3], nearest("half_pixel", "round_prefer_floor")),
  resizeBy("nearest x2, half_pixel round_prefer_ceil", [2, 2], nearest("half_pixel", "round_prefer_ceil")),
  resizeBy("nearest x3, align_corners ceil", [3, 3], nearest("align_corners", "ceil")),
  resizeBy("nearest x2, tf_half_pixel_for_nn", [2, 2], nearest("tf_half_pixel_for_nn", "round_prefer_ceil")),
  // The wasm nearest gather's row copies and column tables, each axis alone.
  resizeBy("nearest x4 along H only, asymmetric floor", [4, 1], nearest("asymmetric", "floor")),
  resizeBy("nearest x3 along W only, half_pixel round_prefer_ceil", [1, 3], nearest("half_pixel", "round_prefer_ceil")),
  resizeBy("bilinear x2, half_pixel", [2, 2], linear("half_pixel")),
  resizeBy("bilinear x2, align_corners", [2, 2], linear("align_corners")),
  resizeBy("bilinear x3, pytorch_half_pixel", [3, 3], linear("pytorch_half_pixel")),
  resizeBy("bilinear x2 along H only", [2, 1], linear("half_pixel")),
  resizeBy("bilinear x3 along W only", [1, 3], linear("half_pixel_symmetric")),
  resizeBy("bicubic x2, half_pixel a=-0.75 (PyTorch bicubic)", [2, 2], cubic("half_pixel")),
  resizeBy("bicubic x3, align_corners", [3, 3], cubic("align_corners")),
  resizeBy("bicubic x2, a=-0.5, exclude_outside", [2, 2], { ...cubic("half_pixel", -0.5), exclude_outside: int(1) }),
  {
    name: "Resize nearest x2 with scales over axes [-2, -1] (opset 18)",
    spec: {
      kind: "Resize",
      opset: 18,
      attrs: { ...nearest("asymmetric", "floor"), axes: ints([-2, -1]) },
      inputs: [act(1, 3, "h", "w"), null, { constant: [2, 2], shape: [2] }],
      outputs: [shape(1, 3, times(2, "h"), times(2, "w"))],
    },
  },
  {
    name: "Resize bilinear downscale x0.5, pytorch_half_pixel",
    spec: {
      kind: "Resize",
      attrs: linear("pytorch_half_pixel"),
      inputs: [act(1, 2, 9, 10), null, { constant: [1, 1, 0.5, 0.5], shape: [4] }],
      outputs: [shape(1, 2, 4, 5)],
    },
  },
  resizeTo("bicubic to sizes 9x4, exclude_outside", [1, 2, 5, 7], [1, 2, 9, 4], {
    ...cubic("half_pixel"),
    exclude_outside: int(1),
  }),
  resizeTo(
    "nearest to a 1x3 output, pytorch_half_pixel",
    [1, 1, 4, 6],
    [1, 1, 1, 3],
    nearest("pytorch_half_pixel", "floor"),
  ),
  resizeTo("nearest down to 3x5 (odd width, vector tail)", [1, 2, 7, 11], [1, 2, 3, 5], nearest("half_pixel", "floor")),
  resizeTo("bilinear to a 1x5 output, align_corners", [1, 1, 4, 6], [1, 1, 1, 5], linear("align_corners")),
];

/** ConvTranspose of [1, C, h, w] to [1, M, k h + c, k w + c]: `out` gives (k, c) per spatial axis. */
const convTranspose = (
  what: string,
  [C, M, G, KH, KW]: number[],
  out: [[number, number], [number, number]],
  attrs: Record<string, Attr>,
  seed: number,
  bias = true,
): Case => ({
  name: `ConvTranspose ${what}`,
  spec: {
    kind: "ConvTranspose",
    attrs: { group: int(G), ...attrs },
    inputs: [act(1, C, "h", "w"), weights([C, M / G, KH, KW], seed), ...(bias ? [weights([M], seed + 1)] : [])],
    outputs: [shape(1, M, { c: out[0][1], h: out[0][0], w: 0, hw: 0 }, { c: out[1][1], h: 0, w: out[1][0], hw: 0 })],
  },
  exact: true,
});

const CONV_TRANSPOSE_CASES: Case[] = [
  // PyTorch's ConvTranspose2d(k=4, s=2, p=1): the usual x2 upsampler.
  convTranspose(
    "4x4 stride 2 pad 1",
    [3, 4, 1, 4, 4],
    [
      [2, 0],
      [2, 0],
    ],
    { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) },
    30,
  ),
  convTranspose(
    "3x3 stride 2 pad 1 output_padding 1, no bias",
    [2, 3, 1, 3, 3],
    [
      [2, 0],
      [2, 0],
    ],
    { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), output_padding: ints([1, 1]) },
    32,
    false,
  ),
  convTranspose(
    "3x3 stride 3, output_padding 2x1, uneven pads",
    [2, 2, 1, 3, 3],
    [
      [3, 1],
      [3, -2],
    ],
    { strides: ints([3, 3]), pads: ints([0, 1, 1, 2]), output_padding: ints([2, 1]) },
    34,
  ),
  convTranspose(
    "grouped (2 groups) 3x3 stride 2",
    [4, 6, 2, 3, 3],
    [
      [2, 1],
      [2, 1],
    ],
    { strides: ints([2, 2]) },
    36,
  ),
  convTranspose(
    "depthwise 2x2 stride 2",
    [3, 3, 3, 2, 2],
    [
      [2, 0],
      [2, 0],
    ],
    { strides: ints([2, 2]) },
    38,
  ),
  convTranspose(
    "3x3 dilation 2, stride 1x2, pad 2",
    [2, 3, 1, 3, 3],
    [
      [1, 0],
      [2, -1],
    ],
    { dilations: ints([2, 2]), strides: ints([1, 2]), pads: ints([2, 2, 2, 2]) },
    40,
  ),
  convTranspose(
    "4x3 stride 2 SAME_UPPER",
    [2, 3, 1, 4, 3],
    [
      [2, 0],
      [2, 0],
    ],
    { strides: ints([2, 2]), auto_pad: str("SAME_UPPER") },
    42,
  ),
  convTranspose(
    "3x3 stride 2 SAME_LOWER",
    [2, 2, 1, 3, 3],
    [
      [2, 0],
      [2, 0],
    ],
    { strides: ints([2, 2]), auto_pad: str("SAME_LOWER") },
    44,
  ),
  convTranspose(
    "3x3 stride 2 VALID",
    [2, 2, 1, 3, 3],
    [
      [2, 1],
      [2, 1],
    ],
    { strides: ints([2, 2]), auto_pad: str("VALID") },
    46,
  ),
  // Output channels by the f32x4 blocks of the wasm-simd kernel: a block and a tail, two blocks, tails per group.
  convTranspose(
    "6 outputs 3x3 pad 1",
    [3, 6, 1, 3, 3],
    [
      [1, 0],
      [1, 0],
    ],
    { pads: ints([1, 1, 1, 1]) },
    50,
  ),
  convTranspose(
    "8 outputs 2x2 stride 2",
    [3, 8, 1, 2, 2],
    [
      [2, 0],
      [2, 0],
    ],
    { strides: ints([2, 2]) },
    52,
  ),
  convTranspose(
    "grouped (2 groups of 5 outputs) 4x4 stride 2 pad 1 dilation 2x1, no bias",
    [4, 10, 2, 4, 4],
    [
      [2, 3],
      [2, 0],
    ],
    { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), dilations: ints([2, 1]) },
    54,
    false,
  ),
  {
    name: "ConvTranspose 3x3 stride 2 to output_shape 12x13 on a fixed size",
    spec: {
      kind: "ConvTranspose",
      attrs: { strides: ints([2, 2]), output_shape: ints([12, 13]) },
      inputs: [act(1, 2, 5, 6), weights([2, 3, 3, 3], 48), weights([3], 49)],
      outputs: [shape(1, 3, 12, 13)],
    },
    exact: true,
  },
];

const OTHER_CASES: Case[] = [
  {
    name: "Softmax over channels (axis 1)",
    spec: {
      kind: "Softmax",
      opset: 13,
      attrs: { axis: int(1) },
      inputs: [act(1, 5, "h", "w")],
      outputs: [shape(1, 5, "h", "w")],
    },
    ranges: { 0: [-20, 20] },
  },
  {
    name: "Softmax over the last axis (default)",
    spec: { kind: "Softmax", opset: 13, inputs: [act(1, "hw", 7)], outputs: [shape(1, "hw", 7)] },
    ranges: { 0: [-20, 20] },
  },
  {
    name: "Softmax over W (axis -1 of NCHW)",
    spec: {
      kind: "Softmax",
      opset: 13,
      attrs: { axis: int(-1) },
      inputs: [act(1, 2, "h", "w")],
      outputs: [shape(1, 2, "h", "w")],
    },
  },
  {
    name: "InstanceNormalization",
    spec: {
      kind: "InstanceNormalization",
      attrs: { epsilon: float(1e-5) },
      inputs: [act(1, 4, "h", "w"), weights([4], 50), weights([4], 51)],
      outputs: [shape(1, 4, "h", "w")],
    },
    ranges: { 0: [-3, 5] },
  },
  {
    name: "InstanceNormalization, batch 2, default epsilon, 3-D",
    spec: {
      kind: "InstanceNormalization",
      inputs: [act(2, 3, "hw"), weights([3], 52), weights([3], 53)],
      outputs: [shape(2, 3, "hw")],
    },
  },
];

export const RESIZE_CONVT_CASES: Case[] = [...RESIZE_CASES, ...CONV_TRANSPOSE_CASES, ...OTHER_CASES];
