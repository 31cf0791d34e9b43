import { subKernels, winogradWeights } from "../../compiler/ops/support/winograd.js";
import { rng } from "../support/random.js";
import type { Case } from "./cases.js";
import { type Dim, ints, shape } from "./harness.js";

/**
 * A qmc.WinogradConv of x [1, C, h, w] with the transform of random weights [M, C, Kh, Kw] from
 * `seed` (`kernel` [Kh, Kw], 3x3 unless given; and a bias from seed + 1 unless `bias` is false),
 * pads [top, left, bottom, right], the fused Relu where `relu`; the output's size follows from the pads unless `y` gives it.
 * Bit-exact on every target.
 */
function winograd(
  name: string,
  [c, m]: [number, number],
  pads: number[],
  seed: number,
  {
    bias = true,
    kernel = [3, 3],
    relu = false,
    x = [1, c, "h", "w"],
    y,
  }: { bias?: boolean; kernel?: number[]; relu?: boolean; x?: Dim[]; y?: Dim[] } = {},
): Case {
  const rnd = rng(seed);
  const [kh, kw] = kernel;
  const [gh, gw] = subKernels(kernel);
  const g = Array.from({ length: m * c * kh * kw }, () => Math.fround(rnd() * 2 - 1));
  const b = rng(seed + 1);
  const grow = (d: Dim, extra: number): Dim => {
    if (typeof d === "number") return d + extra;
    return { c: extra, h: d === "h" ? 1 : 0, w: d === "w" ? 1 : 0, hw: 0 };
  };
  return {
    name: `WinogradConv ${name}`,
    exact: true,
    spec: {
      kind: "WinogradConv",
      domain: "qmc",
      attrs: {
        pads: ints(pads),
        ...(kh === 3 && kw === 3 ? {} : { kernel_shape: ints(kernel) }),
        ...(relu ? { activation: { type: "string", value: "relu" } as const } : {}),
      },
      inputs: [
        { activation: shape(...x) },
        { constant: Array.from(winogradWeights(g, m, c, kernel)), shape: [16, c * gh * gw, m] },
        ...(bias ? [{ constant: Array.from({ length: m }, () => Math.fround(b() - 0.5)), shape: [m] }] : []),
      ],
      outputs: [
        shape(...(y ?? [1, m, grow(x[2], pads[0] + pads[2] + 1 - kh), grow(x[3], pads[1] + pads[3] + 1 - kw)])),
      ],
    },
  };
}

export const WINOGRAD_CASES: Case[] = [
  winograd("pad 1, 4 -> 6 channels", [4, 6], [1, 1, 1, 1], 70),
  winograd("pad 0, 5 -> 3 channels, no bias", [5, 3], [0, 0, 0, 0], 72, { bias: false }),
  winograd("pads 0 1 1 2, 3 -> 5 channels", [3, 5], [0, 1, 1, 2], 74),
  winograd("pads 2 0 0 1, 1 -> 9 channels", [1, 9], [2, 0, 0, 1], 76),
  winograd("pad 1 on a 1x1 input, 6 -> 4 channels", [6, 4], [1, 1, 1, 1], 78, { x: [1, 6, 1, 1], y: [1, 4, 1, 1] }),
  winograd("pad 1, 9 -> 13 channels, 90 tiles (three chunks, the last partial)", [9, 13], [1, 1, 1, 1], 80, {
    x: [1, 9, 17, 19],
    y: [1, 13, 17, 19],
  }),
  // Rows of four tiles whose inputs and outputs lie inside the image go as SIMD lanes: this one
  // has such rows at the image's left and right edges, beside rows that wrap and border tiles.
  winograd("pads 0 1 2 0, 5 -> 7 channels, 12x23 (four-tile vectors up to the edges)", [5, 7], [0, 1, 2, 0], 84, {
    x: [1, 5, 12, 23],
    y: [1, 7, 12, 22],
  }),
  winograd("pad 1, 2 -> 16 channels, odd 3x5", [2, 16], [1, 1, 1, 1], 82, { x: [1, 2, 3, 5], y: [1, 16, 3, 5] }),
  // Kh x Kw kernels as grids of 3x3 sub-kernels (C' = C * ceil(Kh / 3) * ceil(Kw / 3) virtual
  // channels), zero-padded at the bottom and right where Kh or Kw is not a multiple of 3.
  winograd("5x5 pad 2, 3 -> 5 channels (C' 12)", [3, 5], [2, 2, 2, 2], 86, { kernel: [5, 5] }),
  winograd("7x7 pads 3 2 3 4, 2 -> 6 channels, no bias (C' 18)", [2, 6], [3, 2, 3, 4], 88, {
    kernel: [7, 7],
    bias: false,
  }),
  winograd("9x9 pad 4, 3 -> 8 channels (C' 27), 17x19, Relu", [3, 8], [4, 4, 4, 4], 90, {
    kernel: [9, 9],
    relu: true,
    x: [1, 3, 17, 19],
    y: [1, 8, 17, 19],
  }),
  winograd("9x9 pad 4 on a 1x1 input, 1 -> 3 channels (C' 9)", [1, 3], [4, 4, 4, 4], 92, {
    kernel: [9, 9],
    x: [1, 1, 1, 1],
    y: [1, 3, 1, 1],
  }),
  winograd("5x3 pads 2 1 2 1, 3 -> 4 channels (C' 6), odd 7x5", [3, 4], [2, 1, 2, 1], 94, {
    kernel: [5, 3],
    x: [1, 3, 7, 5],
    y: [1, 4, 7, 5],
  }),
  winograd("1x9 pads 0 4 0 4, 5 -> 3 channels (C' 15), Relu", [5, 3], [0, 4, 0, 4], 96, { kernel: [1, 9], relu: true }),
  winograd("pads 0 1 2 0, 5 -> 7 channels, 12x23, Relu without bias", [5, 7], [0, 1, 2, 0], 100, {
    bias: false,
    relu: true,
    x: [1, 5, 12, 23],
    y: [1, 7, 12, 22],
  }),
  // Four-tile vectors for the sub-kernels whose shifted 4x10 reads lie inside the image beside
  // ones whose reads cross its edges, on a wide image; C' 5 * 4 = 20.
  winograd("6x6 pads 1 3 4 2, 5 -> 9 channels (C' 20), 13x37", [5, 9], [1, 3, 4, 2], 98, {
    kernel: [6, 6],
    x: [1, 5, 13, 37],
    y: [1, 9, 13, 37],
  }),
];
