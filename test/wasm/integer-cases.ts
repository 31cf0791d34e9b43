import type { Attr, Node } from "../../compiler/ir/graph.js";
import { sizeOf, Tensor } from "../../compiler/ir/tensor.js";
import {
  evalShape,
  type KernelPlan,
  type Operand,
  type ParamValue,
  type PlanBuffer,
  type PlanConstant,
  type SymShape,
} from "../../compiler/plan/kernel-plan.js";
import { ROUNDING_BIAS } from "../../compiler/quant/fake-quant.js";
import { constantValues } from "../../targets/shared/kernel-params.js";
import { rng } from "../support/random.js";
import { type Dim, evaluateNode, shape } from "../targets/harness.js";

/** One-kernel plans of the integer kernels (packed weight codes), which have no ONNX reference op. */

type Input =
  | { readonly activation: SymShape }
  | { readonly codes: readonly number[]; readonly bits: 2 | 4 | 8; readonly shape: readonly number[] }
  | { readonly floats: readonly number[]; readonly shape: readonly number[] }
  | null;

/** Signed codes packed little-end first, as the plan's "packed" encoding. */
export function pack(codes: readonly number[], bits: 2 | 4 | 8): Uint8Array {
  const perByte = 8 / bits;
  const out = new Uint8Array(Math.ceil(codes.length / perByte));
  codes.forEach((c, i) => {
    out[Math.floor(i / perByte)] |= (c & ((1 << bits) - 1)) << ((i % perByte) * bits);
  });
  return out;
}

function plan(kind: string, params: Record<string, ParamValue>, inputs: Input[], outputs: SymShape[]): KernelPlan {
  const buffers: PlanBuffer[] = [];
  const constants: PlanConstant[] = [];
  const operands: (Operand | null)[] = inputs.map((inp, i) => {
    if (inp === null) return null;
    if ("activation" in inp) {
      buffers.push({
        id: buffers.length,
        name: `in${i}`,
        dtype: "float32",
        shape: inp.activation,
        firstUse: 0,
        lastUse: 0,
      });
      return { buffer: buffers.length - 1 };
    }
    const bytes = "codes" in inp ? pack(inp.codes, inp.bits) : new Uint8Array(Float32Array.from(inp.floats).buffer);
    const encoding = "codes" in inp ? { kind: "packed" as const, bits: inp.bits } : { kind: "float32" as const };
    constants.push({ id: constants.length, name: `c${i}`, shape: inp.shape, encoding, bytes });
    return { constant: constants.length - 1 };
  });
  const outs = outputs.map((s, k) => {
    buffers.push({ id: buffers.length, name: `out${k}`, dtype: "float32", shape: s, firstUse: 0, lastUse: 0 });
    return buffers.length - 1;
  });
  return {
    model: {
      name: kind,
      task: "sr",
      scale: 1,
      inChannels: 1,
      outChannels: 1,
      bits: [4],
      sha256: "0".repeat(64),
      inputSize: { h: null, w: null },
      sizeMultiple: { h: 1, w: 1 },
    },
    input: 0,
    output: outs[0],
    buffers,
    constants,
    kernels: [
      {
        kind,
        name: `k0_${kind}`,
        arithmetic: "int",
        params,
        inputs: operands,
        outputs: outs,
        inputShapes: inputs.map((inp) =>
          inp === null ? null : "activation" in inp ? inp.activation : shape(...inp.shape),
        ),
        outputShapes: outputs,
        sources: [],
      },
    ],
  };
}

const codes = (n: number, bits: number, seed: number) => {
  const rnd = rng(seed);
  return Array.from({ length: n }, () => Math.floor(rnd() * 2 ** bits) - 2 ** (bits - 1));
};
const floats = (n: number, seed: number, lo = -1, hi = 1) => {
  const rnd = rng(seed);
  return Array.from({ length: n }, () => Math.fround(lo + rnd() * (hi - lo)));
};
/** An activation input, its dims sized at run time by the image's h and w. */
const activation = (...dims: Dim[]): Input => ({ activation: shape(...dims) });
/** Weight codes of shape `dims`, drawn from `seed` as `codeBits`-bit values and packed `bits` to a code. */
const packed = (dims: number[], bits: 2 | 4 | 8, seed: number, codeBits: number = bits): Input => ({
  codes: codes(sizeOf(dims), codeBits, seed),
  bits,
  shape: dims,
});
/** One float per channel (a bias, D, ...), drawn from `seed`. */
const perChannel = (channels: number, seed: number): Input => ({ floats: floats(channels, seed), shape: [channels] });
const DLS = [0, 3 / 7, 0, 0, -1, 0, 0, 0].map(Math.fround);
/** A second DlsQuant's weights (beta off -mean), for a scan's u. */
const DLS_U = [0, 2 / 7, 0, 0, -1, 0.05, 0, 0].map(Math.fround);
/** DlsQuant weights for a scan's B and C (alpha from the std and the range, beta off -mean). */
const DLS_B = [0, 1 / 3, 0, 0.02, -1, -0.03, 0, 0].map(Math.fround);
const DLS_C = [0.1, 1 / 4, 0, 0, -1, 0, 0, 0].map(Math.fround);
/** ActQuant params: `bits`-bit codes, signed unless `signed` is 0, with alpha and beta `params`. */
const act = (bits: number, signed = 1, params = [0.31, -0.12]) => ({
  x_mode: "act",
  x_bits: bits,
  x_signed: signed,
  x_params: params,
});
const dls = (bits: number, params = DLS) => ({ x_mode: "dls", x_bits: bits, x_signed: 1, x_params: params });
// beta just past the minimum (maximum): the lowest (highest) code's line misses it, so its correction is nonzero.
const DLS_LOW = [0, 0.1, 0, 0, 0, 0.02, -1, 0].map(Math.fround);
const DLS_HIGH = [0, 0.1, 0, 0, 0, -0.02, 0, -1].map(Math.fround);
/** Weight quantizer params: symmetric (every beta 0) unless `offset`, which makes beta = alpha * offset. */
const weights = (bits: 2 | 4 | 8, alpha: number[], offset = 0) => ({
  w_bits: bits,
  w_alpha: alpha,
  w_beta: alpha.map((a) => Math.fround(a * offset)),
});
/** A float epilogue (compiler/ops/support/epilogue.ts): its steps, then each constant's float32 values. */
const epilogue = (program: string[], ...constants: number[][]) => ({
  epilogue: program,
  epilogue_constants: constants.flat().map(Math.fround),
  epilogue_constant_sizes: constants.map((c) => c.length),
});

/**
 * A QSelectiveScan of E channels in G directions (E / G each) with state size N along `length` (a
 * dim of the input size), delta quantized a4: u, delta, A (seeded `seed`, drawn from `a`, by default
 * [-2, -0.1]), B, C, then D and the delta bias (seeds + 1, + 2; the bias drawn from `bias`, by
 * default [-1, 1]) unless `dAndBias` is false; with `u`, u is DlsQuant-ed a4 inside too, with `b`
 * or `c`, B or C (B a4, C a3 unsigned). With `merge` (G = 4), the scan sums its directions into
 * CrossMerge's token-major (1, h*w, E / 4), the (h, w) shape from an eighth input x_like.
 */
function scan(
  E: number,
  G: number,
  N: number,
  seed: number,
  o: {
    readonly length?: Dim;
    readonly softplus?: 0 | 1;
    readonly dAndBias?: boolean;
    readonly a?: [number, number];
    readonly bias?: [number, number];
    readonly bits?: number;
    readonly u?: boolean;
    readonly b?: boolean;
    readonly c?: boolean;
    readonly merge?: boolean;
  } = {},
): KernelPlan {
  const L = o.length ?? "hw";
  const [aLo, aHi] = o.a ?? [-2, -0.1];
  const [biasLo, biasHi] = o.bias ?? [-1, 1];
  return plan(
    "QSelectiveScan",
    {
      delta_softplus: o.softplus ?? 1,
      delta_bits: o.bits ?? 4,
      delta_signed: 1,
      delta_w: DLS,
      ...(o.u ? { u_bits: 4, u_signed: 1, u_w: DLS_U } : {}),
      ...(o.b ? { b_bits: 4, b_signed: 1, b_w: DLS_B } : {}),
      ...(o.c ? { c_bits: 3, c_signed: 0, c_w: DLS_C } : {}),
      ...(o.merge ? { merge: 1 } : {}),
    },
    [
      activation(1, E, L),
      activation(1, E, L),
      { floats: floats(E * N, seed, aLo, aHi), shape: [E, N] },
      activation(1, G, N, L),
      activation(1, G, N, L),
      ...(o.dAndBias === false
        ? o.merge
          ? [null, null]
          : []
        : [perChannel(E, seed + 1), { floats: floats(E, seed + 2, biasLo, biasHi), shape: [E] }]),
      ...(o.merge ? [activation(1, E / G, "h", "w")] : []),
    ],
    [o.merge ? shape(1, L, E / G) : shape(1, E, L)],
  );
}

export const INTEGER_CASES: { name: string; plan: KernelPlan }[] = [
  {
    name: "QConv 3x3 pad 1, a4w4, per-channel alpha, bias",
    plan: plan(
      "QConv",
      { pads: [1, 1, 1, 1], ...act(4), ...weights(4, [0.07, 0.05, 0.09, 0.11, 0.06], 0.37) },
      [activation(1, 6, "h", "w"), packed([5, 6, 3, 3], 4, 1), perChannel(5, 2)],
      [shape(1, 5, "h", "w")],
    ),
  },
  {
    name: "QConv depthwise 3x3 dilation 2, a2 unsigned, w2",
    plan: plan(
      "QConv",
      { pads: [2, 2, 2, 2], dilations: [2, 2], group: 4, ...act(2, 0), ...weights(2, [0.2], -0.4) },
      [activation(1, 4, "h", "w"), packed([4, 1, 3, 3], 2, 3), perChannel(4, 4)],
      [shape(1, 4, "h", "w")],
    ),
  },
  {
    name: "QConv depthwise 3x3 pad 1, a8 signed, 6-bit codes in w8 (i16 sums widened per tap row)",
    plan: plan(
      "QConv",
      { pads: [1, 1, 1, 1], group: 3, ...act(8, 1, [0.004, 0.05]), ...weights(8, [0.02, 0.03, 0.04]) },
      [activation(1, 3, "h", "w"), packed([3, 1, 3, 3], 8, 21, 6)],
      [shape(1, 3, "h", "w")],
    ),
  },
  {
    name: "QConv 1x1 a8 unsigned, w8",
    plan: plan(
      "QConv",
      { pads: [0, 0, 0, 0], ...act(8, 0), ...weights(8, [0.01], 0.3) },
      [activation(1, 5, "h", "w"), packed([3, 5, 1, 1], 8, 5)],
      [shape(1, 3, "h", "w")],
    ),
  },
  {
    // wxColumns takes its code pairs in tiles of 32 KiB: 16 columns at 1001 channels, so the test
    // sizes run two or three tiles, a last one shorter, and the remainder columns; an odd K and
    // offset weights (column code sums) on the way.
    name: "QConv 1x1 a8 signed w8, 1001 input channels (tiles of 16 columns), 5 output channels",
    plan: plan(
      "QConv",
      { pads: [0, 0, 0, 0], ...act(8, 1, [0.02, 0.1]), ...weights(8, [0.003], 0.2) },
      [activation(1, 1001, "h", "w"), packed([5, 1001, 1, 1], 8, 31)],
      [shape(1, 5, "h", "w")],
    ),
  },
  {
    name: "QMatMul tokens x weight, DlsQuant a4w4",
    plan: plan(
      "QMatMul",
      { weight_first: 0, ...dls(4), ...weights(4, [0.07], 0.2) },
      [activation(1, "hw", 12), packed([12, 7], 4, 6)],
      [shape(1, "hw", 7)],
    ),
  },
  {
    name: "QMatMul weight x activation over 4 directions, a4w4",
    plan: plan(
      "QMatMul",
      { weight_first: 1, ...act(4), ...weights(4, [0.06], -0.25) },
      [activation(1, 4, 6, "hw"), packed([4, 5, 6], 4, 7)],
      [shape(1, 4, 5, "hw")],
    ),
  },
  {
    name: "QConv 3x3 pad 1, a4w4, 3 -> 9 channels (SIMD edges and tails)",
    plan: plan(
      "QConv",
      { pads: [1, 1, 1, 1], ...act(4), ...weights(4, [0.08]) },
      [activation(1, 3, "h", "w"), packed([9, 3, 3, 3], 4, 11)],
      [shape(1, 9, "h", "w")],
    ),
  },
  {
    name: "QConv 5x5 pads 2 1 2 3, a8 unsigned w8 with offsets, 3 -> 8 channels (tap pairs, odd rows of taps)",
    plan: plan(
      "QConv",
      {
        pads: [2, 1, 2, 3],
        ...act(8, 0),
        ...weights(8, [0.002, 0.003, 0.001, 0.002, 0.004, 0.001, 0.002, 0.003], 0.2),
      },
      [activation(1, 3, "h", "w"), packed([8, 3, 5, 5], 8, 36), perChannel(8, 37)],
      [shape(1, 8, "h", "w")],
    ),
  },
  {
    name: "QConv 2x4 pads 0 1 1 2, a4w4, 1 -> 5 channels (tap pairs of even rows, a short block)",
    plan: plan(
      "QConv",
      { pads: [0, 1, 1, 2], ...act(4), ...weights(4, [0.1]) },
      [activation(1, 1, "h", "w"), packed([5, 1, 2, 4], 4, 38)],
      [shape(1, 5, "h", "w")],
    ),
  },
  {
    name: "QConv 3x3 pad 1, a8 unsigned w8 with offsets, 6 -> 3 channels (one short block: i16 sums would widen every tap)",
    plan: plan(
      "QConv",
      { pads: [1, 1, 1, 1], ...act(8, 0), ...weights(8, [0.002, 0.003, 0.001], -0.3) },
      [activation(1, 6, "h", "w"), packed([3, 6, 3, 3], 8, 39), perChannel(3, 40)],
      [shape(1, 3, "h", "w")],
    ),
  },
  {
    name: "QConv 3x3 pad 1, a4w4, 5 -> 6 channels (a block and a short one, an odd channel pair)",
    plan: plan(
      "QConv",
      { pads: [1, 1, 1, 1], ...act(4), ...weights(4, [0.05, 0.06, 0.07, 0.08, 0.09, 0.1], 0.15) },
      [activation(1, 5, "h", "w"), packed([6, 5, 3, 3], 4, 31), perChannel(6, 32)],
      [shape(1, 6, "h", "w")],
    ),
  },
  {
    name: "QConv 3x3 two groups of 3 -> 5 channels, dilation 2, pads 2 1 2 3, a2 unsigned w2",
    plan: plan(
      "QConv",
      { pads: [2, 1, 2, 3], dilations: [2, 2], group: 2, ...act(2, 0), ...weights(2, [0.3]) },
      [activation(1, 6, "h", "w"), packed([10, 3, 3, 3], 2, 33)],
      [shape(1, 10, "h", "w")],
    ),
  },
  {
    name: "QConv 3x3 pad 1, a8 unsigned codes at 0 and 255, w8 codes -128 and 127 (no overflow)",
    plan: plan(
      "QConv",
      { pads: [1, 1, 1, 1], ...act(8, 0, [0.001, 0.3]), ...weights(8, [0.001]) },
      [
        activation(1, 7, "h", "w"),
        {
          codes: Array.from({ length: 4 * 7 * 9 }, (_, i) => (i % 5 === 0 ? 127 : -128)),
          bits: 8,
          shape: [4, 7, 3, 3],
        },
      ],
      [shape(1, 4, "h", "w")],
    ),
  },
  {
    name: "QConv depthwise 3x3 dilation 2, a8 unsigned w8, 5 channels",
    plan: plan(
      "QConv",
      { pads: [2, 2, 2, 2], dilations: [2, 2], group: 5, ...act(8, 0), ...weights(8, [0.01, 0.02, 0.03, 0.02, 0.01]) },
      [activation(1, 5, "h", "w"), packed([5, 1, 3, 3], 8, 12)],
      [shape(1, 5, "h", "w")],
    ),
  },
  {
    name: "QConv depthwise 3x3 pads 1 3 1 2 (border blocks past both sides of narrow rows), a4w4, bias, GELU",
    plan: plan(
      "QConv",
      {
        pads: [1, 3, 1, 2],
        group: 5,
        ...act(4),
        ...weights(4, [0.3, 0.25, 0.2, 0.35, 0.4], -0.1),
        ...epilogue(["div y c0", "erf t0", "add t1 c1", "mul y t2", "mul t3 c2"], [Math.SQRT2], [1], [0.5]),
      },
      [activation(1, 5, "h", "w"), packed([5, 1, 3, 3], 4, 34), perChannel(5, 35)],
      [shape(1, 5, "h", { c: 3, h: 0, w: 1, hw: 0 })],
    ),
  },
  {
    name: "QConv depthwise 3x5 pads 1 0 1 0, a8 unsigned at 0 and 255, 7-bit codes in w8 (widened every two taps), residual",
    plan: plan(
      "QConv",
      {
        pads: [1, 0, 1, 0],
        group: 4,
        ...act(8, 0, [0.001, 0.3]),
        ...weights(8, [0.01, 0.02, 0.03, 0.04]),
        ...epilogue(["mul c0 r", "add y t0"], floats(4, 36, 0.5, 1.5)),
      },
      [
        activation(1, 4, "h", "w"),
        { codes: Array.from({ length: 4 * 15 }, (_, i) => (i % 7 === 3 ? -64 : 63)), bits: 8, shape: [4, 1, 3, 5] },
        null,
        activation(1, 4, "h", { c: -4, h: 0, w: 1, hw: 0 }),
      ],
      [shape(1, 4, "h", { c: -4, h: 0, w: 1, hw: 0 })],
    ),
  },
  {
    name: "QConv two groups of 2 -> 3 channels, dilation 1 2, a8 signed, 5-bit codes in w8 (widened per input channel)",
    plan: plan(
      "QConv",
      {
        pads: [1, 2, 1, 2],
        dilations: [1, 2],
        group: 2,
        ...act(8, 1, [0.004, 0.05]),
        ...weights(8, [0.02, 0.03, 0.04, 0.05, 0.06, 0.07]),
      },
      [activation(1, 4, "h", "w"), packed([6, 2, 3, 3], 8, 37, 5), perChannel(6, 38)],
      [shape(1, 6, "h", "w")],
    ),
  },
  {
    name: "QConv depthwise 3 -> 6 channels, a8 unsigned at 0 and 255, w8 at -128 and 127 (widened every tap), SiLU",
    plan: plan(
      "QConv",
      {
        pads: [1, 1, 1, 1],
        group: 3,
        ...act(8, 0, [0.001, 0.3]),
        ...weights(8, [0.001, 0.002, 0.003, 0.002, 0.001, 0.004]),
        ...epilogue(["sigmoid y", "mul y t0"]),
      },
      [
        activation(1, 3, "h", "w"),
        { codes: Array.from({ length: 6 * 9 }, (_, i) => (i % 5 === 0 ? 127 : -128)), bits: 8, shape: [6, 1, 3, 3] },
        perChannel(6, 39),
      ],
      [shape(1, 6, "h", "w")],
    ),
  },
  {
    name: "QMatMul tokens x weight, N = 4 (one lane block, no tail), a8 signed w8",
    plan: plan(
      "QMatMul",
      { weight_first: 0, ...act(8), ...weights(8, [0.01, 0.02, 0.03, 0.04]) },
      [activation(1, "hw", 9), packed([9, 4], 8, 13)],
      [shape(1, "hw", 4)],
    ),
  },
  {
    name: "QMatMul tokens x weight, N = 3 (narrower than a lane block), a2w2",
    plan: plan(
      "QMatMul",
      { weight_first: 0, ...act(2), ...weights(2, [0.3]) },
      [activation(1, "hw", 5), packed([5, 3], 2, 14)],
      [shape(1, "hw", 3)],
    ),
  },
  {
    name: "QMatMul one weight x 4 directions (broadcast), DlsQuant a4w4, M = 3",
    plan: plan(
      "QMatMul",
      { weight_first: 1, ...dls(4), ...weights(4, [0.05, 0.06, 0.07], 0.3) },
      [activation(1, 4, 5, "hw"), packed([1, 3, 5], 4, 15)],
      [shape(1, 4, 3, "hw")],
    ),
  },
  {
    name: "QMatMul tokens x weight, a4w4, K = 7, N = 10 (relaxed dot with row and column tails)",
    plan: plan(
      "QMatMul",
      { weight_first: 0, ...act(4), ...weights(4, [0.05, 0.04, 0.03, 0.02, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06], 0.45) },
      [activation(1, "hw", 7), packed([7, 10], 4, 16)],
      [shape(1, "hw", 10)],
    ),
  },
  {
    name: "QMatMul tokens x weight, DlsQuant a4w4, K = 12, N = 19 (two 8-column blocks and a tail)",
    plan: plan(
      "QMatMul",
      {
        weight_first: 0,
        ...dls(4),
        ...weights(
          4,
          Array.from({ length: 19 }, (_, i) => 0.02 + 0.003 * i),
        ),
      },
      [activation(1, "hw", 12), packed([12, 19], 4, 18)],
      [shape(1, "hw", 19)],
    ),
  },
  {
    name: "QMatMul tokens x weight, a8 signed w8, K = 40, N = 16 (i16 sums widened after every step)",
    plan: plan(
      "QMatMul",
      { weight_first: 0, ...act(8, 1, [0.004, 0]), ...weights(8, [0.01]) },
      [activation(1, "hw", 40), packed([40, 16], 8, 19)],
      [shape(1, "hw", 16)],
    ),
  },
  {
    name: "QMatMul weight x activation, a8 signed w8, M = 3, K = 5 (i16 sums widened after every step)",
    plan: plan(
      "QMatMul",
      { weight_first: 1, ...act(8, 1, [0.004, 0.1]), ...weights(8, [0.01, 0.02, 0.03]) },
      [activation(1, 5, "hw"), packed([3, 5], 8, 20)],
      [shape(1, 3, "hw")],
    ),
  },
  {
    name: "QMatMul tokens x weight, a8 signed w2, K = 13, N = 8 (relaxed dot at the code extremes)",
    plan: plan(
      "QMatMul",
      { weight_first: 0, ...act(8, 1, [0.004, 0]), ...weights(2, [0.2]) },
      [activation(1, "hw", 13), packed([13, 8], 2, 17)],
      [shape(1, "hw", 8)],
    ),
  },
  { name: "QSelectiveScan, 4 directions, delta a4", plan: scan(8, 4, 3, 8) },
  {
    name: "QSelectiveScan, 2 directions of 8 channels (four channels per step), state size 5, delta a4",
    plan: scan(16, 2, 5, 22),
  },
  {
    name: "QSelectiveScan, 1 direction of 4 channels, no D, no delta bias, no softplus",
    plan: scan(4, 1, 3, 25, { softplus: 0, dAndBias: false }),
  },
  {
    name: "QSelectiveScan, 2 directions of 4 channels, state size 5, delta a8 (over 16 codes: code rows transposed, no pair rows)",
    plan: scan(8, 2, 5, 43, { bits: 8 }),
  },
  {
    name: "QSelectiveScan, 1 direction of 8 channels, state size 6, delta a2",
    plan: scan(8, 1, 6, 46, { bits: 2 }),
  },
  {
    name: "QSelectiveScan, 1 direction of 8 channels, state size 3, sequence length h (one step at 1 x 7)",
    plan: scan(8, 1, 3, 26, { length: "h" }),
  },
  {
    name: "QSelectiveScan, 2 directions of 4 channels (one f32x4 each), state size 8, no D, no delta bias",
    plan: scan(8, 2, 8, 18, { dAndBias: false }),
  },
  {
    name: "QSelectiveScan, 2 directions of 6 channels (four in f32x4 lanes, two alone), state size 4",
    plan: scan(12, 2, 4, 31),
  },
  {
    name: "QSelectiveScan, 2 directions of 6 channels (four in f32x4 lanes, two alone), state size 4, u DlsQuant-ed inside",
    plan: scan(12, 2, 4, 31, { u: true }),
  },
  {
    name: "QSelectiveScan, 2 directions of 4 channels, state size 5, delta a8, u DlsQuant-ed inside",
    plan: scan(8, 2, 5, 43, { bits: 8, u: true }),
  },
  {
    name: "QSelectiveScan, 1 direction of 3 channels (fewer than a vector), state size 1, u DlsQuant-ed inside",
    plan: scan(3, 1, 1, 34, { u: true }),
  },
  {
    name: "QSelectiveScan, 2 directions of 6 channels (four in f32x4 lanes, two alone), state size 4, u, B, C DlsQuant-ed inside",
    plan: scan(12, 2, 4, 31, { u: true, b: true, c: true }),
  },
  {
    name: "QSelectiveScan, 2 directions of 4 channels, state size 5, delta a8, B DlsQuant-ed inside",
    plan: scan(8, 2, 5, 43, { bits: 8, b: true }),
  },
  {
    name: "QSelectiveScan, 1 direction of 3 channels (fewer than a vector), state size 2, C DlsQuant-ed inside",
    plan: scan(3, 1, 2, 34, { c: true }),
  },
  {
    name: "QSelectiveScan, 1 direction of 3 channels (fewer than a vector), state size 1",
    plan: scan(3, 1, 1, 34),
  },
  {
    name: "QSelectiveScan, 1 direction of 4 channels, state size 2, long sequence (L = 24 h w, up to 1008)",
    plan: scan(4, 1, 2, 37, { length: { c: 0, h: 0, w: 0, hw: 24 } }),
  },
  {
    name: "QSelectiveScan, 5 channels (four in f32x4 lanes, one alone), large delta (bias 15 to 30: both softplus branches, exp(dt A) underflowing), A of both signs",
    plan: scan(5, 1, 3, 40, { bias: [15, 30], a: [-4, 0.05] }),
  },
  {
    name: "QSelectiveScan merged into tokens, 4 directions of 2 channels (each alone), state size 3",
    plan: scan(8, 4, 3, 8, { merge: true }),
  },
  {
    name: "QSelectiveScan merged into tokens, 4 directions of 6 channels (four in f32x4 lanes, two alone), state size 5, u, B, C DlsQuant-ed inside",
    plan: scan(24, 4, 5, 22, { merge: true, u: true, b: true, c: true }),
  },
  {
    name: "QSelectiveScan merged into tokens, 4 directions of 4 channels, state size 3, no D, no delta bias",
    plan: scan(16, 4, 3, 31, { merge: true, dAndBias: false }),
  },
  {
    name: "QSelectiveScan merged into tokens, 4 directions of 4 channels, state size 2, delta a8 (code rows transposed), B DlsQuant-ed inside",
    plan: scan(16, 4, 2, 43, { merge: true, bits: 8, b: true }),
  },
  {
    name: "QConv depthwise 3x3 pad 1, a4w4, per-channel alpha, bias, SiLU epilogue (SS2D's conv)",
    plan: plan(
      "QConv",
      {
        pads: [1, 1, 1, 1],
        group: 6,
        ...act(4),
        ...weights(4, [0.3, 0.25, 0.2, 0.35, 0.4, 0.28]),
        ...epilogue(["sigmoid y", "mul y t0"]),
      },
      [activation(1, 6, "h", "w"), packed([6, 1, 3, 3], 4, 21), perChannel(6, 22)],
      [shape(1, 6, "h", "w")],
    ),
  },
  {
    name: "QConv 1x1, a4w4, 6 output channels (a block of four rows and one of two), bias, GELU epilogue in its Erf form (CAB's)",
    plan: plan(
      "QConv",
      {
        pads: [0, 0, 0, 0],
        ...act(4),
        ...weights(4, [0.4]),
        ...epilogue(["div y c0", "erf t0", "add t1 c1", "mul y t2", "mul t3 c2"], [Math.SQRT2], [1], [0.5]),
      },
      [activation(1, 5, "h", "w"), packed([6, 5, 1, 1], 4, 23), perChannel(6, 24)],
      [shape(1, 6, "h", "w")],
    ),
  },
  {
    // Channel 0 and 3 in range, 1 and 2 overflowed to infinities (by the weight scale, by the
    // residual's scale) and NaN where both are infinite with opposite signs; then Relu, of u * s * 0
    // in channel 0 (-0 for negative u): SIMD's pmax/pmin forms of the clamp and of Relu on such values.
    name: "QConv 3x3 pad 1, a8 unsigned w8, residual, requantization (a QDQ model's), infinities and NaN, Relu of -0",
    plan: plan(
      "QConv",
      {
        pads: [1, 1, 1, 1],
        ...act(8, 0),
        ...weights(8, [0.01, 3e38, 0.02, 0.015]),
        ...epilogue(
          [
            "mul c0 r",
            "mul t0 c0",
            "add y t1",
            "div t2 c1",
            "add t3 c2",
            "sub t4 c3",
            "relu t5",
            "sub c4 t6",
            "relu t7",
            "sub c5 t8",
            "mul t9 c1",
            "mul t10 c6",
            "relu t11",
          ],
          [1, 3e38, 3e38, 1],
          [0.05],
          [ROUNDING_BIAS],
          [ROUNDING_BIAS - 100],
          [255],
          [155],
          [0, 1, 1, 1],
        ),
      },
      [activation(1, 5, "h", "w"), packed([4, 5, 3, 3], 8, 61), null, activation(1, 4, "h", "w")],
      [shape(1, 4, "h", "w")],
    ),
  },
  {
    name: "QConv 3x3 pad 1, a2w2, no bias, per-channel skip-scaled residual, then Relu",
    plan: plan(
      "QConv",
      {
        pads: [1, 1, 1, 1],
        ...act(2),
        ...weights(2, [0.2]),
        ...epilogue(["mul c0 r", "add y t0", "relu t1"], floats(5, 25, 0.5, 1.5)),
      },
      [activation(1, 3, "h", "w"), packed([5, 3, 3, 3], 2, 26), null, activation(1, 5, "h", "w")],
      [shape(1, 5, "h", "w")],
    ),
  },
  {
    name: "QMatMul tokens x weight, a4w4, K = 8, N = 10 (relaxed dot and a tail), skip-scaled residual (SS2D's out_proj)",
    plan: plan(
      "QMatMul",
      {
        weight_first: 0,
        ...act(4),
        ...weights(4, [0.05]),
        ...epilogue(["mul r c0", "add t0 y"], floats(10, 27, 0.5, 1.5)),
      },
      [activation(1, "hw", 8), packed([8, 10], 4, 28), activation(1, "hw", 10)],
      [shape(1, "hw", 10)],
    ),
  },
  {
    name: "QMatMul tokens x weight, DlsQuant a4w4, N = 5, plain residual, Sigmoid, scalar shift",
    plan: plan(
      "QMatMul",
      { weight_first: 0, ...dls(4), ...weights(4, [0.07]), ...epilogue(["add y r", "sigmoid t0", "sub t1 c0"], [0.5]) },
      [activation(1, "hw", 9), packed([9, 5], 4, 29), activation(1, "hw", 5)],
      [shape(1, "hw", 5)],
    ),
  },
  {
    name: "QMatMul weight x activation over 4 directions, a4w4, per-row constants, y*t, Erf",
    plan: plan(
      "QMatMul",
      {
        weight_first: 1,
        ...act(4),
        ...weights(4, [0.06]),
        ...epilogue(["sub c0 y", "div t0 c1", "mul t1 y", "erf t2"], floats(5, 30), [0.75]),
      },
      [activation(1, 4, 6, "hw"), packed([4, 5, 6], 4, 31)],
      [shape(1, 4, 5, "hw")],
    ),
  },
  {
    name: "QMatMul tokens x weight, DlsQuant a4w4 with a nonzero low correction, K = 13, N = 15 (row blocks, 8 + 4 + 3 columns, odd K)",
    plan: plan(
      "QMatMul",
      {
        weight_first: 0,
        ...dls(4, DLS_LOW),
        ...weights(
          4,
          Array.from({ length: 15 }, (_, i) => 0.02 + 0.003 * i),
          0.6,
        ),
      },
      [activation(1, "hw", 13), packed([13, 15], 4, 32)],
      [shape(1, "hw", 15)],
    ),
  },
  {
    name: "QMatMul tokens x weight, DlsQuant a4w8 with a nonzero low correction, K = 300 (extreme weight sums past i16), N = 9",
    plan: plan(
      "QMatMul",
      { weight_first: 0, ...dls(4, DLS_LOW), ...weights(8, [0.004]) },
      [activation(1, "hw", 300), packed([300, 9], 8, 35)],
      [shape(1, "hw", 9)],
    ),
  },
  {
    name: "QMatMul tokens x weight, DlsQuant a4w4 with a nonzero high correction, K = 10, N = 12, skip-scaled residual",
    plan: plan(
      "QMatMul",
      {
        weight_first: 0,
        ...dls(4, DLS_HIGH),
        ...weights(4, [0.05]),
        ...epilogue(["mul r c0", "add t0 y"], floats(12, 33, 0.5, 1.5)),
      },
      [activation(1, "hw", 10), packed([10, 12], 4, 34), activation(1, "hw", 12)],
      [shape(1, "hw", 12)],
    ),
  },
  {
    name: "QMatMul tokens x weight, a8 signed w8 at the code extremes, K = 9, N = 21 (odd K, 8 + 8 + 4 + 1 columns)",
    plan: plan(
      "QMatMul",
      { weight_first: 0, ...act(8, 1, [0.004, 0]), ...weights(8, [0.01]) },
      [activation(1, "hw", 9), packed([9, 21], 8, 35)],
      [shape(1, "hw", 21)],
    ),
  },
  {
    name: "QMatMul tokens x weight, a4w4, K = 1, N = 6 (one code per row: only the odd-K step, 4 + 2 columns)",
    plan: plan(
      "QMatMul",
      { weight_first: 0, ...act(4), ...weights(4, [0.05, 0.06, 0.07, 0.08, 0.09, 0.1]) },
      [activation(1, "hw", 1), packed([1, 6], 4, 36)],
      [shape(1, "hw", 6)],
    ),
  },
  {
    name: "QMatMul weight x activation over 2 directions, a8 signed w8 at the code extremes, M = 9, K = 7 (two row blocks and one, odd K)",
    plan: plan(
      "QMatMul",
      { weight_first: 1, ...act(8, 1, [0.004, 0]), ...weights(8, [0.01]) },
      [activation(1, 2, 7, "hw"), packed([2, 9, 7], 8, 37)],
      [shape(1, 2, 9, "hw")],
    ),
  },
];

/** Params that hold float lists; `epilogue` holds strings, other lists ints, every number param is an int. */
const FLOAT_LISTS = new Set(["x_params", "w_alpha", "w_beta", "epilogue_constants", "delta_w", "u_w", "b_w", "c_w"]);

/** The qmc reference op of a case's kernel on the inputs a run used (runPlan's `values`). */
export function integerReference(plan: KernelPlan, values: Map<number, Float32Array>, h: number, w: number): Tensor[] {
  const k = plan.kernels[0];
  const attrs = new Map<string, Attr>(
    Object.entries(k.params).map(([name, v]): [string, Attr] => {
      if (typeof v === "string") return [name, { type: "string", value: v }];
      if (typeof v === "number") return [name, { type: "int", value: v }];
      if (FLOAT_LISTS.has(name)) return [name, { type: "floats", value: v as number[] }];
      if (name === "epilogue") return [name, { type: "strings", value: v as string[] }];
      return [name, { type: "ints", value: v as number[] }];
    }),
  );
  const tensors = k.inputs.map((op) => {
    if (!op) return undefined;
    if ("buffer" in op) {
      const b = plan.buffers[op.buffer];
      return new Tensor("float32", evalShape(b.shape, h, w), values.get(op.buffer) as Float32Array);
    }
    const c = plan.constants[op.constant];
    const v = constantValues(c);
    return Tensor.from(v instanceof Int8Array ? "int8" : "float32", [...c.shape], v);
  });
  const node: Node = {
    name: k.name,
    opType: k.kind,
    domain: "qmc",
    inputs: k.inputs.map((op, i) => (op ? `in${i}` : "")),
    outputs: k.outputs.map((_, i) => `out${i}`),
    attrs,
  };
  return evaluateNode(node, 1, tensors);
}
