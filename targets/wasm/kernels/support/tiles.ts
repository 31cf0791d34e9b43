import type { Ex } from "../../binaryen.js";
import type { Arr, Fn, Local, Val } from "../../dsl.js";
import { lanes32 } from "./lanes.js";

/** `a` read as raw 32-bit words (float32 values move bit for bit, NaN payloads included). */
export function words(a: Arr): Arr {
  return { elem: "i32", base: a.base };
}

/**
 * A 4x4 block of 32-bit words held as four row vectors, transposed: `column(k)` is the vector of
 * the rows' lane k. Two rounds of interleaving shuffles, eight in all; `rows` are read twice, so
 * they must be locals.
 */
export class QuadTranspose {
  private readonly half: Local[];

  constructor(private readonly f: Fn) {
    this.half = Array.from({ length: 4 }, () => f.local(f.b.v128));
  }

  /** Interleaves the rows pairwise; columns are read after it. */
  of(rows: readonly Local[]): Ex[] {
    const f = this.f;
    const [r0, r1, r2, r3] = rows;
    return [
      this.half[0].set(lanes32(f, r0.get(), r1.get(), [0, 4, 1, 5])),
      this.half[1].set(lanes32(f, r0.get(), r1.get(), [2, 6, 3, 7])),
      this.half[2].set(lanes32(f, r2.get(), r3.get(), [0, 4, 1, 5])),
      this.half[3].set(lanes32(f, r2.get(), r3.get(), [2, 6, 3, 7])),
    ];
  }

  /** Lane k of every row, in row order. */
  column(k: number): Ex {
    const [a, b] = k < 2 ? [this.half[0], this.half[2]] : [this.half[1], this.half[3]];
    return lanes32(this.f, a.get(), b.get(), k % 2 === 0 ? [0, 1, 4, 5] : [2, 3, 6, 7]);
  }
}

/**
 * Copies `count` 32-bit words from element `from` of `x` to element `to` of `y` (neither overlapping
 * the other) as raw bits: four at a time with v128 moves where `vector`, then one by one.
 */
export function copyRun(f: Fn, vector: boolean, x: Arr, from: Val, y: Arr, to: Val, count: Val): Ex[] {
  const m = f.m;
  const i = f.i32Local();
  const [rx, ry] = [words(x), words(y)];
  const quads = vector
    ? [
        f.for(
          i,
          f.i32(0),
          () => m.i32.sub(count(), f.i32(3)),
          [m.v128.store(0, 4, f.addr(ry, f.add(to(), i.get())), m.v128.load(0, 4, f.addr(rx, f.add(from(), i.get()))))],
          4,
        ),
      ]
    : [];
  return [
    ...quads,
    f.for(i, vector ? i.get() : f.i32(0), count, [
      f.store(ry, f.add(to(), i.get()), f.load(rx, f.add(from(), i.get()))),
    ]),
  ];
}

/**
 * Visits an H x W plane: `block` at every (h, c) of a 4x4 block (h and c multiples of 4), `one(dh)`
 * at every element (h + dh, c) outside the blocks.
 */
export function tiledPlane(f: Fn, H: Val, W: Val, h: Local, c: Local, block: Ex[], one: (dh: number) => Ex[]): Ex[] {
  const m = f.m;
  const minus3 = (e: Val) => () => m.i32.sub(e(), f.i32(3));
  return [
    f.for(
      h,
      f.i32(0),
      minus3(H),
      [f.for(c, f.i32(0), minus3(W), block, 4), f.for(c, c.get(), W, [0, 1, 2, 3].flatMap(one))],
      4,
    ),
    f.for(h, h.get(), H, [f.for(c, f.i32(0), W, one(0))]),
  ];
}
