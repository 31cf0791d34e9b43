import { ERF_F32 } from "../../compiler/ops/support/erf-table.js";
import type { Ex } from "./binaryen.js";
import { type Fn, interleave, type Local } from "./dsl.js";
import { type F32Ops, type F32Routine, f32Routine, f32x4Ops, horner } from "./f32-ops.js";

/**
 * The module's erf: compiler/ops/support/erf.ts's float32 definition, operation for operation, on
 * one f32 (`qerf`, f64 in and out like the other scalar math functions) or written out on f32x4
 * lanes. Both of its polynomials run on every lane (written out, unless every lane needs only the
 * small one) and a select keeps the one the lane's magnitude picks, which gives the scalar
 * definition's value: neither can trap.
 */

const c = ERF_F32;

/** erf(x) from r, its value for |x| (`a`), with x's sign; NaN stays NaN. */
const signed = (o: F32Ops, x: Local, r: Local): Ex =>
  o.keepNaN(x.get, o.below(x.get(), o.c(0), o.neg(r.get()), r.get()));

/** The statements that leave erf(x) in `out` (which may be x), x an f32 (or f32x4) local. */
function erfBody(f: Fn, o: F32Ops, x: Local, out: Local): Ex[] {
  const [a, z, q, t, e, r] = Array.from({ length: 6 }, () => f.local(o.type));
  return [
    a.set(o.abs(x.get())),
    z.set(o.mul(a.get(), a.get())),
    t.set(o.add(o.mul(a.get(), o.c(c.scale)), o.c(c.offset))),
    ...interleave([horner(o, q, z, c.small), horner(o, e, t, c.large)]),
    r.set(
      o.below(
        a.get(),
        o.c(c.smallBelow),
        o.add(a.get(), o.mul(a.get(), q.get())),
        o.below(a.get(), o.c(c.one), o.sub(o.c(1), e.get()), o.c(1)),
      ),
    ),
    out.set(signed(o, x, r)),
  ];
}

/** erfBody where |x| is below `smallBelow`: the same operations, without the large polynomial. */
function smallErfBody(f: Fn, o: F32Ops, x: Local, out: Local): Ex[] {
  const [a, z, q, r] = Array.from({ length: 4 }, () => f.local(o.type));
  return [
    a.set(o.abs(x.get())),
    z.set(o.mul(a.get(), a.get())),
    ...horner(o, q, z, c.small),
    r.set(o.add(a.get(), o.mul(a.get(), q.get()))),
    out.set(signed(o, x, r)),
  ];
}

const routine = f32Routine("qerf", erfBody);

/**
 * qerf and its written-out form (f32-ops.ts). Written out, the vectors skip the large polynomial,
 * two thirds of the work, where every lane of every one is below `smallBelow` in magnitude (no NaN),
 * as activations mostly are: the small polynomial's value is then the one every lane keeps.
 */
export const qerf: F32Routine = {
  scalar: routine.scalar,
  inline(f: Fn, xs: readonly Local[], outs: readonly Local[]): Ex[] {
    const m = f.m;
    const below = xs
      .map((x) => m.f32x4.lt(m.f32x4.abs(x.get()), m.f32x4.splat(m.f32.const(c.smallBelow))))
      .reduce((p, q) => m.v128.and(p, q));
    return [
      f.if(
        m.i32x4.all_true(below),
        interleave(xs.map((x, i) => smallErfBody(f, f32x4Ops(f), x, outs[i]))),
        routine.inline(f, xs, outs),
      ),
    ];
  },
};
