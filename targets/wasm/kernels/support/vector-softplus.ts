import type { Ex } from "../../binaryen.js";
import { type Fn, interleave, type Local, type Val } from "../../dsl.js";
import { LN2_HI, LN2_LO, log1pPoly } from "../../math.js";
import { joinLow, promoteHigh } from "./lanes.js";
import { expPairExactSteps, SHIFTER } from "./vector-exp.js";

/** The double whose bits are `bits`. */
function fromBits(bits: bigint): number {
  return new Float64Array(BigUint64Array.of(bits).buffer)[0];
}

/**
 * The module's fdlibm log1p (math.ts's qlog1p) on both lanes of an f64x2 `y` with 0 < y < 2^53 (or
 * NaN, which stays NaN), operation for operation, so each lane is bit for bit qlog1p's result.
 * qlog1p's branches for such y become selects:
 * - y < 2^-29: y - y y / 2 (also qlog1p's y below 2^-54, which y y / 2 cannot change).
 * - y < 0x3fda827a00000000 (0.4142...): k = 0, f = y, c = 0. Its result f - (hfsq - s (hfsq + R)) is
 *   the general k ln2_hi - ((hfsq - (s (hfsq + R) + (k ln2_lo + c))) - f) at k = c = 0, as
 *   0 - (p - f) = f - p exactly.
 * - otherwise u = 1 + y >= 0x3ff6a09e00000000, so k >= 1 and c, the rounding error of u, counts;
 *   where qlog1p's hu is 0 (|f| < 2^-20) it returns k ln2_hi - ((hfsq (1 - 2/3 f) - (k ln2_lo + c)) - f),
 *   whose f = 0 case is its k ln2_hi + (c + k ln2_lo).
 */
export function log1pPairSteps(f: Fn, y: Val, out: Local): Ex[] {
  const { m } = f;
  const v = m.f64x2;
  const i = m.i64x2;
  const F = (c: number) => v.splat(f.f64(c));
  const I = (c: bigint) => i.splat(m.i64.const(c));
  const [small, u, mant, wide, kf, fv, c, hfsq, s, z, klo] = Array.from({ length: 11 }, () => f.local(f.b.v128));
  // 1 + y's exponent, plus one where its mantissa is scaled into [sqrt(2)/2, 1) (`wide`).
  const exponent = i.sub(i.sub(i.shr_u(u.get(), f.i32(52)), I(1023n)), wide.get());
  // k as a double (0 on the small path): k + 1.5 * 2^52 written into the bits of 1.5 * 2^52.
  const double = (n: Ex) => v.sub(i.add(n, I(0x4338000000000000n)), F(SHIFTER));
  const scaled = m.v128.or(mant.get(), m.v128.bitselect(I(0x3fe0000000000000n), I(0x3ff0000000000000n), wide.get()));
  const rounding = m.v128.bitselect(
    v.sub(F(1), v.sub(u.get(), y())),
    v.sub(y(), v.sub(u.get(), F(1))),
    v.ge(u.get(), F(2)),
  );
  // qlog1p's hu = 0: the high mantissa word of the scaled 1 + y is 0, or 0x100000 - hu < 4.
  const huZero = m.v128.andnot(
    m.v128.or(i.lt_s(mant.get(), I(1n << 32n)), i.gt_s(mant.get(), I((0xffffdn << 32n) - 1n))),
    small.get(),
  );
  const poly = () =>
    v.sub(hfsq.get(), v.add(v.mul(s.get(), v.add(hfsq.get(), log1pPoly(z.get, v.add, v.mul, F))), klo.get()));
  const nearOne = () => v.sub(v.mul(hfsq.get(), v.sub(F(1), v.mul(F(0.6666666666666666), fv.get()))), klo.get());
  return [
    small.set(v.lt(y(), F(fromBits(0x3fda827a00000000n)))),
    u.set(v.add(F(1), y())),
    mant.set(m.v128.and(u.get(), I(0x000fffffffffffffn))),
    wide.set(i.gt_s(mant.get(), I(0x6a09e00000000n - 1n))),
    kf.set(double(m.v128.andnot(exponent, small.get()))),
    c.set(m.v128.andnot(v.div(rounding, u.get()), small.get())),
    fv.set(m.v128.bitselect(y(), v.sub(scaled, F(1)), small.get())),
    klo.set(v.add(v.mul(kf.get(), F(LN2_LO)), c.get())),
    hfsq.set(v.mul(v.mul(F(0.5), fv.get()), fv.get())),
    s.set(v.div(fv.get(), v.add(F(2), fv.get()))),
    z.set(v.mul(s.get(), s.get())),
    out.set(
      m.v128.bitselect(
        v.sub(y(), v.mul(v.mul(y(), y()), F(0.5))),
        v.sub(v.mul(kf.get(), F(LN2_HI)), v.sub(m.v128.bitselect(nearOne(), poly(), huZero), fv.get())),
        v.lt(y(), F(2 ** -29)),
      ),
    ),
  ];
}

/** Below this e^x is under 2^-172: log1p(e^x) rounds to float32 0, and x + log1p(e^-x) is x for x above -this. */
const EXP_FLOOR = -120;

/**
 * The module's qsoftplus (ONNX Softplus: x > 0 ? x + log1p(e^-x) : log1p(e^x), in double) of the
 * four float32 lanes of `x`, rounded to float32: each lane f32.demote(qsoftplus(f64.promote(x))) bit
 * for bit, as expPairExactSteps and log1pPairSteps of -|x| on two f64x2, their statements
 * interleaved. -|x| is clamped at -120 (pmax keeps a NaN), where it changes no float32 result:
 * log1p(e^x) for x < -120 rounds to 0 either way, and for x > 120 the double sum x + log1p(e^-x) is
 * x either way (log1p(e^-120) is 7.7e-53, under half an ulp of 120). A NaN lane keeps its NaN (the
 * vector exp's integer scaling could turn one into a number).
 */
export function softplusF32x4(f: Fn, x: Ex): Ex {
  const { m } = f;
  const v = m.f64x2;
  const [xs, q, lo, hi, eLo, eHi, xLo, xHi] = Array.from({ length: 8 }, () => f.local(f.b.v128));
  const log1pExp = (a: Local, e: Local) => [...expPairExactSteps(f, a.get, e), ...log1pPairSteps(f, e.get, a)];
  // Two lanes' doubles x + log1p(e^-|x|) where x > 0, else log1p(e^-|x|), rounded to float32.
  const result = (x2: Local, l: Local) =>
    m.f32x4.demote_f64x2_zero(m.v128.bitselect(v.add(x2.get(), l.get()), l.get(), v.gt(x2.get(), v.splat(f.f64(0)))));
  return m.block(
    null,
    [
      xs.set(x),
      q.set(m.f32x4.pmax(m.f32x4.neg(m.f32x4.abs(xs.get())), m.f32x4.splat(m.f32.const(EXP_FLOOR)))),
      lo.set(m.f64x2.promote_low_f32x4(q.get())),
      hi.set(promoteHigh(f, q)),
      ...interleave([log1pExp(lo, eLo), log1pExp(hi, eHi)]),
      xLo.set(m.f64x2.promote_low_f32x4(xs.get())),
      xHi.set(promoteHigh(f, xs)),
      m.v128.bitselect(xs.get(), joinLow(f, result(xLo, lo), result(xHi, hi)), m.f32x4.ne(xs.get(), xs.get())),
    ],
    f.b.v128,
  );
}
