import { ERF_DEGREE } from "../../compiler/ops/support/erf-table.js";
import type { Ex } from "./binaryen.js";
import { type Fn, interleave, type Local, type Val } from "./dsl.js";

/**
 * Two-lane versions of the module's sigmoid and erf (math.ts) for SIMD kernels, bit-identical in
 * each lane to `qsigmoid` / `qerf`.
 */

/** Bytes of one interval's row in the erf coefficient table (f64). */
export const ERF_ROW_BYTES = (ERF_DEGREE + 1) * 8;

/** sigmoid per lane: the four-lane float32 routine (sigmoid.ts) on the two lanes demoted. */
export function sigmoid2Fn(f: Fn): void {
  const m = f.m;
  const x = f.param(f.b.v128);
  f.build(
    "qsigmoid2",
    f.b.v128,
    m.f64x2.promote_low_f32x4(m.call("qsigmoid4", [m.f32x4.demote_f64x2_zero(x.get())], f.b.v128)),
  );
}

/**
 * erf per lane, as the scalar routine: each lane's interval row is gathered from the coefficient table
 * at `table` (two 64-bit lane loads per coefficient) and the Horner steps run on both lanes at once.
 * Lanes at or past 6 and NaN lanes evaluate interval 0 at 0 and then take the scalar routine's 1 or
 * NaN. The statements leave erf(x) in `out`.
 */
function erf2Body(f: Fn, x: Local, out: Local, table: Val): Ex[] {
  const { m } = f;
  const v = m.f64x2;
  const [a, inside, index, t, p] = Array.from({ length: 5 }, () => f.local(f.b.v128));
  const [row0, row1] = [f.i32Local(), f.i32Local()];
  const F = (k: number) => v.splat(f.f64(k));
  const row = (lane: number) => f.add(f.mul(m.i32x4.extract_lane(index.get(), lane), f.i32(ERF_ROW_BYTES)), table());
  const coefficient = (k: number) =>
    m.v128.load64_lane(k * 8, 8, 1, row1.get(), m.v128.load64_zero(k * 8, 8, row0.get()));
  const horner = [p.set(coefficient(ERF_DEGREE))];
  for (let k = ERF_DEGREE - 1; k >= 0; k--) horner.push(p.set(v.add(v.mul(p.get(), t.get()), coefficient(k))));
  return [
    inside.set(v.lt(v.abs(x.get()), F(6))),
    a.set(m.v128.and(v.abs(x.get()), inside.get())),
    index.set(m.i32x4.trunc_sat_f64x2_s_zero(v.mul(a.get(), F(2)))),
    t.set(
      v.sub(
        v.mul(a.get(), F(4)),
        v.convert_low_i32x4_s(m.i32x4.add(m.i32x4.shl(index.get(), f.i32(1)), m.i32x4.splat(f.i32(1)))),
      ),
    ),
    row0.set(row(0)),
    row1.set(row(1)),
    ...horner,
    p.set(m.v128.bitselect(v.mul(a.get(), p.get()), F(1), inside.get())),
    p.set(m.v128.bitselect(v.neg(p.get()), p.get(), v.lt(x.get(), F(0)))),
    out.set(m.v128.bitselect(x.get(), p.get(), v.ne(x.get(), x.get()))),
  ];
}

/** qerf2: f64x2 -> f64x2, with the coefficient table at byte `table`. */
export function erf2Fn(f: Fn, table: number): void {
  const x = f.param(f.b.v128);
  const out = f.local(f.b.v128);
  f.build("qerf2", f.b.v128, f.seq([...erf2Body(f, x, out, () => f.i32(table)), f.m.return(out.get())]));
}

/**
 * qerf2 written out in a kernel on several f64x2 locals (outs[i] = erf(xs[i])), interleaved and
 * without a call, as sigmoid4Inline (sigmoid.ts); `table` is the coefficient table's address.
 */
export function erf2Inline(f: Fn, xs: readonly Local[], outs: readonly Local[], table: Val): Ex[] {
  return interleave(xs.map((x, i) => erf2Body(f, x, outs[i], table)));
}
