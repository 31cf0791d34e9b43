import type { Ex } from "../../binaryen.js";
import type { Fn, Local } from "../../dsl.js";

/** A shuffle of two vectors by 32-bit lanes (0-3 from `a`, 4-7 from `b`). */
export function lanes32(f: Fn, a: Ex, b: Ex, lanes: readonly number[]): Ex {
  return f.m.i8x16.shuffle(
    a,
    b,
    lanes.flatMap((l) => [0, 1, 2, 3].map((k) => 4 * l + k)),
  );
}

/** The four 32-bit lanes of `v` in reverse order. */
export function reversed(f: Fn, v: Ex): Ex {
  return lanes32(f, v, f.m.v128.const([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), [3, 2, 1, 0]);
}

/** Lanes 2 and 3 of the f32x4 `q` promoted to an f64x2 (f64x2.promote_low_f32x4 takes lanes 0 and 1). */
export function promoteHigh(f: Fn, q: Local): Ex {
  return f.m.f64x2.promote_low_f32x4(lanes32(f, q.get(), q.get(), [2, 3, 2, 3]));
}

/** The low halves of `lo` and `hi` as one vector: two pairs of 32-bit lanes, such as two demoted f64x2. */
export function joinLow(f: Fn, lo: Ex, hi: Ex): Ex {
  return lanes32(f, lo, hi, [0, 1, 4, 5]);
}
