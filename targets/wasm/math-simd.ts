import { ERF_DEGREE } from "../../compiler/ops/support/erf-table.js";
import type { Fn, Local } from "./dsl.js";

/**
 * Two-lane versions of the module's exp and sigmoid (math.ts) for SIMD kernels. Each lane runs the
 * scalar fdlibm routine's operations in the same order: the branches on |x| become per-lane
 * selects between results computed for every lane, and k = 0 makes the reduction x - 0*ln2 - 0
 * exact. Lanes outside the plain range (|x| > 700, NaN, where the scalar routine takes its
 * overflow, underflow and scaling paths) send the pair through the scalar routine instead, and
 * exp(1) keeps the scalar routine's Math.E: results are bit-identical to `qexp` / `qsigmoid`.
 * The two-lane erf needs no such fallback (erf2Fn).
 */

/** Bytes of one interval's row in the erf coefficient table (f64). */
export const ERF_ROW_BYTES = (ERF_DEGREE + 1) * 8;

const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
const P = [
  0.16666666666666602, -0.0027777777777015593, 6.613756321437934e-5, -1.6533902205465252e-6, 4.1381367970572385e-8,
];

export function exp2Fn(f: Fn): void {
  const { m } = f;
  const v = m.f64x2;
  const x = f.param(f.b.v128);
  const [hx, neg, kf, hi, lo, xr, t, c, q, r] = Array.from({ length: 10 }, () => f.local(f.b.v128));
  const F = (n: number) => v.splat(f.f64(n));
  const I64 = (n: bigint) => m.i64x2.splat(m.i64.const(n));
  const lane = (l: Local, i: number) => v.extract_lane(l.get(), i);
  const poly = () => {
    let acc = v.mul(t.get(), F(P[4]));
    for (let i = 3; i >= 0; i--) acc = v.mul(t.get(), v.add(F(P[i]), acc));
    return acc;
  };
  // The high word of |x| in each i64 lane, and x's sign as an all-ones mask.
  const high = (n: number) => I64(BigInt(n));
  f.build(
    "qexp2",
    f.b.v128,
    f.seq([
      f.if(m.i32.eqz(m.i64x2.all_true(v.le(v.abs(x.get()), F(700)))), [
        m.return(
          v.replace_lane(v.splat(f.m.call("qexp", [lane(x, 0)], f.b.f64)), 1, f.m.call("qexp", [lane(x, 1)], f.b.f64)),
        ),
      ]),
      hx.set(m.v128.and(m.i64x2.shr_u(x.get(), m.i32.const(32)), I64(0x7fffffffn))),
      neg.set(m.i64x2.lt_s(x.get(), I64(0n))),
      // k: 0 for |x| <= ln2/2, +-1 up to 1.5 ln2, else trunc(x/ln2 +- 0.5), as the scalar branches.
      kf.set(
        m.v128.bitselect(
          m.v128.bitselect(F(-1), F(1), neg.get()),
          v.trunc(v.add(v.mul(F(Math.LOG2E), x.get()), m.v128.bitselect(F(-0.5), F(0.5), neg.get()))),
          m.i64x2.lt_s(hx.get(), high(0x3ff0a2b2)),
        ),
      ),
      kf.set(m.v128.and(kf.get(), m.i64x2.gt_s(hx.get(), high(0x3fd62e42)))),
      hi.set(v.sub(x.get(), v.mul(kf.get(), F(LN2_HI)))),
      lo.set(v.mul(kf.get(), F(LN2_LO))),
      xr.set(v.sub(hi.get(), lo.get())),
      t.set(v.mul(xr.get(), xr.get())),
      c.set(v.sub(xr.get(), poly())),
      // x*c/(c - 2) is exactly -(x*c/(2 - c)) (division is sign-symmetric), so one quotient serves
      // k != 0: (1 - ((lo - q) - hi)) * 2^k, with 2^k built from its exponent bits, and k = 0: 1 - (-q - x).
      q.set(v.div(v.mul(xr.get(), c.get()), v.sub(F(2), c.get()))),
      r.set(
        v.mul(
          v.sub(F(1), v.sub(v.sub(lo.get(), q.get()), hi.get())),
          m.i64x2.shl(
            m.i64x2.add(m.i64x2.extend_low_i32x4_s(m.i32x4.trunc_sat_f64x2_s_zero(kf.get())), I64(1023n)),
            m.i32.const(52),
          ),
        ),
      ),
      r.set(m.v128.bitselect(v.sub(F(1), v.sub(v.neg(q.get()), xr.get())), r.get(), v.eq(kf.get(), F(0)))),
      // Below 2^-28: 1 + x.
      r.set(m.v128.bitselect(v.add(F(1), x.get()), r.get(), m.i64x2.lt_s(hx.get(), high(0x3e300000)))),
      m.return(m.v128.bitselect(F(Math.E), r.get(), v.eq(x.get(), F(1)))),
    ]),
  );
}

/** sigmoid(x) = 1/(1 + exp(-x)) for x >= 0, else e/(1 + e) with e = exp(x), per lane. */
export function sigmoid2Fn(f: Fn): void {
  const { m } = f;
  const v = m.f64x2;
  const x = f.param(f.b.v128);
  const [pos, e] = [f.local(f.b.v128), f.local(f.b.v128)];
  const one = () => v.splat(f.f64(1));
  f.build(
    "qsigmoid2",
    f.b.v128,
    f.seq([
      pos.set(v.ge(x.get(), v.splat(f.f64(0)))),
      e.set(m.call("qexp2", [m.v128.bitselect(v.neg(x.get()), x.get(), pos.get())], f.b.v128)),
      // One quotient: 1/(1 + e) where x >= 0, e/(1 + e) elsewhere.
      m.return(v.div(m.v128.bitselect(one(), e.get(), pos.get()), v.add(one(), e.get()))),
    ]),
  );
}

/**
 * erf per lane, as the scalar routine: each lane's interval row is gathered from the coefficient table
 * (two 64-bit lane loads per coefficient) and the Horner steps run on both lanes at once. Lanes at or
 * past 6 and NaN lanes evaluate interval 0 at 0 and then take the scalar routine's 1 or NaN.
 */
export function erf2Fn(f: Fn, table: number): void {
  const { m } = f;
  const v = m.f64x2;
  const x = f.param(f.b.v128);
  const [a, inside, index, t, p] = Array.from({ length: 5 }, () => f.local(f.b.v128));
  const [row0, row1] = [f.i32Local(), f.i32Local()];
  const F = (k: number) => v.splat(f.f64(k));
  const row = (lane: number) =>
    f.add(f.mul(m.i32x4.extract_lane(index.get(), lane), f.i32(ERF_ROW_BYTES)), f.i32(table));
  const coefficient = (k: number) =>
    m.v128.load64_lane(k * 8, 8, 1, row1.get(), m.v128.load64_zero(k * 8, 8, row0.get()));
  const horner = [p.set(coefficient(ERF_DEGREE))];
  for (let k = ERF_DEGREE - 1; k >= 0; k--) horner.push(p.set(v.add(v.mul(p.get(), t.get()), coefficient(k))));
  f.build(
    "qerf2",
    f.b.v128,
    f.seq([
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
      m.return(m.v128.bitselect(x.get(), p.get(), v.ne(x.get(), x.get()))),
    ]),
  );
}
