import { EXP32, LOG1P32, SOFTPLUS_LINEAR_ABOVE } from "../../compiler/ops/support/scan-math.js";
import type { Ex } from "./binaryen.js";
import type { Fn, Local } from "./dsl.js";
import { type F32Ops, f32Routine, horner } from "./f32-ops.js";

/**
 * The float scan's exp and softplus: compiler/ops/support/scan-math.ts's exp32 and softplus32,
 * operation for operation, on one f32 (`qexp32`, `qsoftplus32`, f64 in and out like the other
 * scalar math functions) or written out on f32x4 lanes. Each f32 operation is the js target's f32()
 * of the double operation, and the rounding to an integer is the same addition and subtraction of
 * 1.5 * 2^23 (on f32x4 of 1.5 * 2^23 + 64, which rounds to the same integer: f32-ops.ts's
 * expShifter), so all targets agree bit for bit.
 */

/** The statements that leave exp32(x) in `out` (which may be x), x an f32 (or f32x4) local. */
function exp32Body(f: Fn, o: F32Ops, x: Local, out: Local): Ex[] {
  const X = EXP32;
  const [a, s, k, r, p] = Array.from({ length: 5 }, () => f.local(o.type));
  return [
    // min and max keep a NaN, and NaN flows through to the result.
    a.set(o.min(o.max(x.get(), o.c(X.lo)), o.c(X.hi))),
    s.set(o.add(o.mul(a.get(), o.c(X.log2e)), o.c(o.expShifter))),
    k.set(o.sub(s.get(), o.c(o.expShifter))),
    r.set(o.sub(o.sub(a.get(), o.mul(k.get(), o.c(X.c1))), o.mul(k.get(), o.c(X.c2)))),
    ...horner(o, p, r, X.poly),
    p.set(o.add(o.add(o.mul(p.get(), o.mul(r.get(), r.get())), r.get()), o.c(1))),
    out.set(o.scaleByPow2(p.get(), k, s)),
  ];
}

/** The statements that leave softplus32(x) in `out` (set last, so it may be x). */
function softplus32Body(f: Fn, o: F32Ops, x: Local, out: Local): Ex[] {
  const P = LOG1P32;
  const X = EXP32;
  const [z, u, fv, c, ff, y] = Array.from({ length: 6 }, () => f.local(o.type));
  // `then` where u > sqrt(2) (log1p32's e = 1), else `otherwise`.
  const big = (then: Ex, otherwise: Ex) => o.below(o.c(P.sqrt2), u.get(), then, otherwise);
  return [
    z.set(o.neg(o.abs(x.get()))),
    ...exp32Body(f, o, z, z),
    u.set(o.add(o.c(1), z.get())),
    fv.set(big(o.sub(o.mul(u.get(), o.c(0.5)), o.c(1)), o.sub(u.get(), o.c(1)))),
    c.set(o.div(o.sub(z.get(), o.sub(u.get(), o.c(1))), u.get())),
    ff.set(o.mul(fv.get(), fv.get())),
    ...horner(o, y, fv, P.poly),
    y.set(o.mul(o.mul(y.get(), fv.get()), ff.get())),
    y.set(o.add(y.get(), o.add(c.get(), big(o.c(X.c2), o.c(0))))),
    y.set(o.sub(y.get(), o.mul(ff.get(), o.c(0.5)))),
    y.set(o.add(o.add(fv.get(), y.get()), big(o.c(X.c1), o.c(0)))),
    // On f32x4 max is pmax, -0 where max(-0, 0) is +0: the sum with y = ln2 is the same.
    out.set(o.below(o.c(SOFTPLUS_LINEAR_ABOVE), x.get(), x.get(), o.add(o.max(x.get(), o.c(0)), y.get()))),
  ];
}

/** qexp32 and its written-out form (f32-ops.ts). */
export const qexp32 = f32Routine("qexp32", exp32Body);

/** qsoftplus32 (exp32 written out in it) and its written-out form. */
export const qsoftplus32 = f32Routine("qsoftplus32", softplus32Body);
