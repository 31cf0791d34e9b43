import type { Ex } from "../../binaryen.js";
import { type Fn, interleave, type Local, type Val } from "../../dsl.js";
import { expPoly, LN2_HI, LN2_LO } from "../../math.js";
import { joinLow, promoteHigh } from "./lanes.js";

/** 1.5 * 2^52: an integer-valued double t below 2^51 in magnitude plus this holds t in its low mantissa bits. */
export const SHIFTER = 6755399441055744;

/**
 * The module's fdlibm exp (math.ts's qexp) on both lanes of an f64x2 `x` with |x| <= 120: the same
 * double operations in the same order, lane by lane, each rounded as IEEE-754 prescribes, so each
 * lane is bit for bit qexp's result, except where qexp returns early: 1 + x for |x| < 2^-28, and
 * Math.E (V8's exp(1)) for x = 1. qexp's branches become one straight path:
 * - k = (int)(x / ln2 +- 0.5) in every range. qexp takes k = 0 without reducing for hx <= 0x3fd62e42,
 *   which admits doubles up to 1e-9 above ln2 / 2 whose formula k is 1; no float32 lies there
 *   (the test checks both neighbours), and for |x| < ln2 / 2 the formula gives k = +-0, hi = x, lo = +-0.
 * - qexp's k = 0 result 1 - (x c / (c - 2) - x) is then the general 1 - ((lo - x c / (2 - c)) - hi):
 *   c - 2 = -(2 - c) exactly, the quotient's sign follows, and +-0 - q = -q for the nonzero q of x != 0.
 * - y * 2^k for -1021 <= k (always, as |k| <= 174) adds k to y's exponent: the product is a normal
 *   double, so the multiplication is exact, and so is the integer addition to its bits.
 */
export function expPairSteps(f: Fn, x: Val, out: Local): Ex[] {
  const { m } = f;
  const v = m.f64x2;
  const F = (c: number) => v.splat(f.f64(c));
  const [t, hi, lo, r, rr, c] = Array.from({ length: 6 }, () => f.local(f.b.v128));
  // +-0.5 with x's sign: qexp's halF[xsb].
  const half = m.v128.or(m.v128.and(x(), F(-0)), F(0.5));
  const poly = expPoly(rr.get, v.add, v.mul, F);
  const scaled = m.i64x2.shl(v.add(t.get(), F(SHIFTER)), f.i32(52));
  return [
    t.set(v.trunc(v.add(v.mul(F(Math.LOG2E), x()), half))),
    hi.set(v.sub(x(), v.mul(t.get(), F(LN2_HI)))),
    lo.set(v.mul(t.get(), F(LN2_LO))),
    r.set(v.sub(hi.get(), lo.get())),
    rr.set(v.mul(r.get(), r.get())),
    c.set(v.sub(r.get(), v.mul(rr.get(), poly))),
    out.set(
      m.i64x2.add(
        v.sub(F(1), v.sub(v.sub(lo.get(), v.div(v.mul(r.get(), c.get()), v.sub(F(2), c.get()))), hi.get())),
        scaled,
      ),
    ),
  ];
}

/** expPairSteps with qexp's early returns: 1 + x for |x| < 2^-28, and Math.E at 1; qexp bit for bit on |x| <= 120. */
export function expPairExactSteps(f: Fn, x: Val, out: Local): Ex[] {
  const v = f.m.f64x2;
  const F = (c: number) => v.splat(f.f64(c));
  const one = f.m.v128.bitselect(F(Math.E), out.get(), v.eq(x(), F(1)));
  return [
    ...expPairSteps(f, x, out),
    out.set(f.m.v128.bitselect(v.add(F(1), x()), one, v.lt(v.abs(x()), F(2 ** -28)))),
  ];
}

/** Arguments beyond which exp rounds to float32 0 or infinity, and inside which expPairSteps is exact. */
const EXP_CLAMP = 120;

/**
 * Float32 exp of the four lanes of the f32x4 `x`: each lane f32.demote(qexp(f64.promote(x))), bit
 * for bit (a NaN stays a NaN), as two expPairSteps, their statements interleaved so that the two chains
 * run side by side. Arguments are clamped to +-120 first (pmin and pmax keep a NaN), where the
 * float32 result is already 0 or infinity. expPairSteps' two departures from qexp round to the same
 * float32: 1 + x for |x| < 2^-28 and its formula's value lie within a few double ulps of e^x, and so
 * below 2^-25 from 1, where float32 rounds both to 1 (its neighbours are 1 - 2^-24 and 1 + 2^-23);
 * e = 2.718281828459045 and fdlibm's exp(1) differ in the last bit, 0.15 float32 ulps below the
 * float32 rounding midpoint above them.
 */
export function expF32x4(f: Fn, x: Ex): Ex {
  const { m } = f;
  const [q, lo, hi] = Array.from({ length: 3 }, () => f.local(f.b.v128));
  const limit = (c: number) => m.f32x4.splat(m.f32.const(c));
  return m.block(
    null,
    [
      q.set(m.f32x4.pmax(m.f32x4.pmin(x, limit(EXP_CLAMP)), limit(-EXP_CLAMP))),
      lo.set(m.f64x2.promote_low_f32x4(q.get())),
      hi.set(promoteHigh(f, q)),
      ...interleave([expPairSteps(f, lo.get, lo), expPairSteps(f, hi.get, hi)]),
      // A NaN lane keeps its NaN: expPairSteps' integer scaling could turn one into a number.
      m.v128.bitselect(
        q.get(),
        joinLow(f, m.f32x4.demote_f64x2_zero(lo.get()), m.f32x4.demote_f64x2_zero(hi.get())),
        m.f32x4.ne(q.get(), q.get()),
      ),
    ],
    f.b.v128,
  );
}
