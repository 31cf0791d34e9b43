import { rng } from "../support/random.js";

/** A case's random source: every draw of one case comes from its own (seed, index) stream, so any case replays alone. */
export interface Draw {
  /** Uniform in [0, 1). */
  readonly next: () => number;
  /** An integer in [0, n). */
  readonly int: (n: number) => number;
  readonly pick: <T>(items: readonly T[]) => T;
  readonly chance: (p: number) => boolean;
}

export function caseDraw(seed: number, index: number): Draw {
  // Mix the two so that neighbouring indices start far apart in mulberry32's sequence.
  const next = rng(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35));
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(items: readonly T[]) => {
      if (items.length === 0) throw new Error("fuzz: pick from an empty list");
      return items[int(items.length)];
    },
    chance: (p: number) => next() < p,
  };
}

/** Values that break arithmetic on dims, axes, counts and offsets. */
export const EDGE_INTEGERS: readonly number[] = [
  0,
  1,
  -1,
  2,
  -2,
  3,
  7,
  255,
  65536,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 32,
  2 ** 40,
  2 ** 53 - 1,
  -(2 ** 53) + 1,
];

export const EDGE_FLOATS: readonly number[] = [
  0,
  -0,
  1,
  -1,
  0.5,
  1e-30,
  1e30,
  3.4e38,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.NaN,
];

/** Names a model may carry: empty, control characters, markup, JS-object keys, very long. */
export const HOSTILE_NAMES: readonly string[] = [
  "",
  " ",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "</script><script>alert(1)</script>",
  "*/ throw 1; /*",
  "a\u2028b\u2029c",
  "\u001b]0;pwned\u0007\u001b[2J",
  "\u202eevil",
  "\ud800",
  "line\nbreak",
  "'\"`$\u{7b}x}`",
  "x".repeat(5000),
  "0",
  "-1",
  "NaN",
];

/** A value in [0, n) weighted toward the ends, where off-by-one bugs live. */
export function edgeIndex(d: Draw, n: number): number {
  if (n <= 1) return 0;
  return d.pick([0, n - 1, d.int(n)]);
}
