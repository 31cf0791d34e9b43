import type { Ex } from "./binaryen.js";
import { type Fn, interleave, type Local } from "./dsl.js";

/**
 * The float32 operations of the reference's float32 routines (sigmoid.ts, erf.ts), on one f32 or on
 * four f32x4 lanes, so that one body builds both: each operation is the js target's f32() of the
 * double operation, and a select computes both of its values, which float32 code can do safely.
 */
export interface F32Ops {
  readonly type: number;
  c(v: number): Ex;
  abs(a: Ex): Ex;
  neg(a: Ex): Ex;
  floor(a: Ex): Ex;
  /**
   * max(a, b) for a constant b that is not NaN (so a NaN a gives NaN, as a min/max would); for b = 0
   * the f32x4 form gives -0 for a = -0, where max gives +0.
   */
  max(a: Ex, b: Ex): Ex;
  /** min(a, b) for a constant b that is neither NaN nor zero. */
  min(a: Ex, b: Ex): Ex;
  add(a: Ex, b: Ex): Ex;
  sub(a: Ex, b: Ex): Ex;
  mul(a: Ex, b: Ex): Ex;
  div(a: Ex, b: Ex): Ex;
  /** 2^k for integral k in -126..127 (k NaN only where the result is NaN anyway). */
  pow2(k: Ex): Ex;
  /**
   * The shifter that rounds exp32's x log2e to the integer k, k = (x log2e + shifter) - shifter: the
   * reference's 1.5 * 2^23 on f32; on f32x4 64 more, even too, so that it rounds to the same k (ties
   * to even) and the bits of s = k + shifter, 0x4b400040 + k, shifted left 23 are 2^(k - 63)'s.
   */
  readonly expShifter: number;
  /**
   * exp32's scaling: y 2^k rounded once, for y in [0.7, 1.42] or NaN (which stays NaN) and integral
   * k in [-150, 128], given as the f32 k and as s = k + expShifter. Where k is NaN, y is. See
   * compiler/ops/support/scan-math.ts's exp32 for the reference's two steps.
   */
  scaleByPow2(y: Ex, k: Local, s: Local): Ex;
  /** `then` where x >= 0, else `otherwise`. */
  nonNegative(x: Ex, then: Ex, otherwise: Ex): Ex;
  /** `then` where a < b, else `otherwise`. */
  below(a: Ex, b: Ex, then: Ex, otherwise: Ex): Ex;
  /** x where x is NaN, else r (x read three times, so a getter). */
  keepNaN(x: () => Ex, r: Ex): Ex;
}

export function f32Ops(f: Fn): F32Ops {
  const m = f.m;
  return {
    type: f.b.f32,
    c: (v) => m.f32.const(v),
    abs: (a) => m.f32.abs(a),
    neg: (a) => m.f32.neg(a),
    floor: (a) => m.f32.floor(a),
    max: (a, b) => m.f32.max(a, b),
    min: (a, b) => m.f32.min(a, b),
    add: (a, b) => m.f32.add(a, b),
    sub: (a, b) => m.f32.sub(a, b),
    mul: (a, b) => m.f32.mul(a, b),
    div: (a, b) => m.f32.div(a, b),
    pow2: (k) => m.f32.reinterpret(m.i32.shl(m.i32.add(m.i32.trunc_s.f32(k), f.i32(127)), f.i32(23))),
    expShifter: MAGIC,
    scaleByPow2(y, k) {
      // The reference's steps: f32(f32(y 2^k1) 2^(k - k1)), k1 = floor(k / 2).
      const k1 = f.local(f.b.f32);
      return this.mul(
        this.mul(y, this.pow2(k1.tee(this.floor(this.mul(k.get(), this.c(0.5)))))),
        this.pow2(this.sub(k.get(), k1.get())),
      );
    },
    nonNegative: (x, then, otherwise) => m.select(m.f32.ge(x, m.f32.const(0)), then, otherwise),
    below: (a, b, then, otherwise) => m.select(m.f32.lt(a, b), then, otherwise),
    keepNaN: (x, r) => m.select(m.f32.ne(x(), x()), x(), r),
  };
}

/** 1.5 * 2^23: adding it to an integral float32 of magnitude below 2^22 leaves the integer in the low bits. */
const MAGIC = 12582912;
const MAGIC_BITS = 0x4b400000;

export function f32x4Ops(f: Fn): F32Ops {
  const m = f.m;
  const v = m.f32x4;
  const splat = (n: number) => v.splat(m.f32.const(n));
  return {
    type: f.b.v128,
    c: splat,
    abs: (a) => v.abs(a),
    neg: (a) => v.neg(a),
    floor: (a) => v.floor(a),
    // pmax is a < b ? b : a, one instruction where V8's NaN-aware max is a dozen: the same values for such a b.
    max: (a, b) => v.pmax(a, b),
    min: (a, b) => v.pmin(a, b),
    add: (a, b) => v.add(a, b),
    sub: (a, b) => v.sub(a, b),
    mul: (a, b) => v.mul(a, b),
    div: (a, b) => v.div(a, b),
    // k + 1.5 * 2^23 is exact for such k, and its low mantissa bits are k + 2^22: three instructions
    // where V8's saturating truncation is several.
    pow2: (k) =>
      m.i32x4.shl(m.i32x4.add(m.f32x4.add(k, splat(MAGIC)), m.i32x4.splat(f.i32(127 - MAGIC_BITS))), f.i32(23)),
    expShifter: MAGIC + 64,
    // y 2^j with j = max(k - 63, -125), in [-125, 65], is exact (a normal float32), and 2^(k - j)
    // normal (k - j in [-25, 63]), so their product rounds once: the reference's value (its split
    // is j = floor(k / 2)), in six instructions where the reference's steps take eleven (a floor,
    // two pow2, two products). s << 23 is 2^(k - 63)'s bits (0x4b400000 << 23 wraps to 0, and a
    // float32's bits are (e + 127) << 23); the exponents subtract as bits, and 190 << 23 puts back
    // the bias that the subtraction takes out. The first factor is a product, not an integer
    // addition to y's bits, so that a NaN y stays NaN whatever its payload.
    scaleByPow2(y, _k, s) {
      const [scaled, first] = [f.local(f.b.v128), f.local(f.b.v128)];
      const i = m.i32x4;
      const bits = (n: number) => i.splat(f.i32(n));
      const j = i.max_s(scaled.tee(i.shl(s.get(), f.i32(23))), bits(2 << 23));
      return v.mul(v.mul(y, first.tee(j)), i.add(i.sub(scaled.get(), first.get()), bits(190 << 23)));
    },
    nonNegative: (x, then, otherwise) => m.v128.bitselect(then, otherwise, v.ge(x, splat(0))),
    below: (a, b, then, otherwise) => m.v128.bitselect(then, otherwise, v.lt(a, b)),
    keepNaN: (x, r) => m.v128.bitselect(x(), r, v.ne(x(), x())),
  };
}

/** Statements that leave in `p` the polynomial with `coefficients` (constant term first) at `v`, by Horner. */
export function horner(o: F32Ops, p: Local, v: Local, coefficients: readonly number[]): Ex[] {
  return [
    p.set(o.c(coefficients[coefficients.length - 1])),
    ...coefficients
      .slice(0, -1)
      .reverse()
      .map((k) => p.set(o.add(o.mul(p.get(), v.get()), o.c(k)))),
  ];
}

/** A float32 routine's statements: they leave f(x) in `out` (which may be x), x an f32 or f32x4 local. */
export type F32Body = (f: Fn, o: F32Ops, x: Local, out: Local) => Ex[];

/** A float32 routine: its module function and its form written out in a kernel (f32Routine). */
export interface F32Routine {
  scalar(f: Fn): void;
  inline(f: Fn, xs: readonly Local[], outs: readonly Local[]): Ex[];
}

/**
 * A float32 routine `name` built from one body: the module function `name` (f64 -> f64 through
 * float32; NaN returns at once) for scalar code, and `inline`: the body written out in a kernel on
 * several f32x4 locals at once (outs[i] = f(xs[i]), each lane as `name`), the statements interleaved
 * so that the vectors' dependency chains overlap, and no call, which in V8 would spill every vector
 * the kernel keeps in registers.
 */
export function f32Routine(name: string, body: F32Body): F32Routine {
  return {
    scalar(f: Fn): void {
      const m = f.m;
      const x = f.param(f.b.f64);
      const [x32, out] = [f.local(f.b.f32), f.local(f.b.f32)];
      f.build(
        name,
        f.b.f64,
        f.seq([
          f.if(m.f64.ne(x.get(), x.get()), [m.return(x.get())]),
          x32.set(m.f32.demote(x.get())),
          ...body(f, f32Ops(f), x32, out),
          m.return(m.f64.promote(out.get())),
        ]),
      );
    },
    inline(f: Fn, xs: readonly Local[], outs: readonly Local[]): Ex[] {
      return interleave(xs.map((x, i) => body(f, f32x4Ops(f), x, outs[i])));
    },
  };
}
