import { winogradWeights } from "../../compiler/ops/support/winograd.js";
import { rng } from "../support/random.js";
import type { Case } from "./cases.js";
import { type Dim, ints, shape } from "./harness.js";

/**
 * A qmc.WinogradConv of x [1, C, h, w] with the transform of random 3x3 weights [M, C, 3, 3] from
 * `seed` (and a bias from seed + 1 unless `bias` is false), pads [top, left, bottom, right]; the
 * output's size follows from the pads unless `y` gives it. Bit-exact on every target.
 */
function winograd(
  name: string,
  [c, m]: [number, number],
  pads: number[],
  seed: number,
  { bias = true, x = [1, c, "h", "w"], y }: { bias?: boolean; x?: Dim[]; y?: Dim[] } = {},
): Case {
  const rnd = rng(seed);
  const g = Array.from({ length: m * c * 9 }, () => Math.fround(rnd() * 2 - 1));
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
      attrs: { pads: ints(pads) },
      inputs: [
        { activation: shape(...x) },
        { constant: Array.from(winogradWeights(g, m, c)), shape: [16, c, m] },
        ...(bias ? [{ constant: Array.from({ length: m }, () => Math.fround(b() - 0.5)), shape: [m] }] : []),
      ],
      outputs: [shape(...(y ?? [1, m, grow(x[2], pads[0] + pads[2] - 2), grow(x[3], pads[1] + pads[3] - 2)]))],
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
];
