import { ERF_F32 } from "../../compiler/ops/support/erf-table.js";
import type { Ex } from "./binaryen.js";
import { type Fn, interleave, type Local } from "./dsl.js";
import { type F32Ops, f32Ops, f32x4Ops } from "./f32-ops.js";

/**
 * The module's erf: compiler/ops/support/erf.ts's float32 definition, operation for operation, on
 * one f32 (`qerf`, f64 in and out like the other scalar math functions) and on four f32x4 lanes
 * (`qerf4`). Both of its polynomials run on every lane and a select keeps the one the lane's
 * magnitude picks, which gives the scalar definition's value: neither can trap.
 */

/** The statements that leave erf(x) in `out` (which may be x), x an f32 (or f32x4) local. */
function erfBody(f: Fn, o: F32Ops, x: Local, out: Local): Ex[] {
  const c = ERF_F32;
  const [a, z, q, t, e, r] = Array.from({ length: 6 }, () => f.local(o.type));
  const horner = (p: Local, v: Local, coefficients: readonly number[]): Ex[] => [
    p.set(o.c(coefficients[coefficients.length - 1])),
    ...coefficients
      .slice(0, -1)
      .reverse()
      .map((k) => p.set(o.add(o.mul(p.get(), v.get()), o.c(k)))),
  ];
  return [
    a.set(o.abs(x.get())),
    z.set(o.mul(a.get(), a.get())),
    t.set(o.add(o.mul(a.get(), o.c(c.scale)), o.c(c.offset))),
    ...interleave([horner(q, z, c.small), horner(e, t, c.large)]),
    r.set(
      o.below(
        a.get(),
        o.c(c.smallBelow),
        o.add(a.get(), o.mul(a.get(), q.get())),
        o.below(a.get(), o.c(c.one), o.sub(o.c(1), e.get()), o.c(1)),
      ),
    ),
    out.set(o.keepNaN(x.get, o.below(x.get(), o.c(0), o.neg(r.get()), r.get()))),
  ];
}

/** qerf: f64 -> f64 through float32. */
export function erfFn(f: Fn): void {
  const m = f.m;
  const x = f.param(f.b.f64);
  const [x32, r] = [f.local(f.b.f32), f.local(f.b.f32)];
  f.build(
    "qerf",
    f.b.f64,
    f.seq([
      f.if(m.f64.ne(x.get(), x.get()), [m.return(x.get())]),
      x32.set(m.f32.demote(x.get())),
      ...erfBody(f, f32Ops(f), x32, r),
      m.return(m.f64.promote(r.get())),
    ]),
  );
}

/** qerf4: f32x4 -> f32x4, each lane as qerf (a NaN lane gives NaN). */
export function erf4Fn(f: Fn): void {
  const x = f.param(f.b.v128);
  const r = f.local(f.b.v128);
  f.build("qerf4", f.b.v128, f.seq([...erfBody(f, f32x4Ops(f), x, r), f.m.return(r.get())]));
}

/** qerf2: f64x2 -> f64x2, qerf4 on the two lanes demoted (f64 kernels' two-lane form). */
export function erf2Fn(f: Fn): void {
  const m = f.m;
  const x = f.param(f.b.v128);
  f.build(
    "qerf2",
    f.b.v128,
    m.f64x2.promote_low_f32x4(m.call("qerf4", [m.f32x4.demote_f64x2_zero(x.get())], f.b.v128)),
  );
}

/** qerf4 written out in a kernel on several f32x4 locals (outs[i] = erf(xs[i])), as sigmoid4Inline. */
export function erf4Inline(f: Fn, xs: readonly Local[], outs: readonly Local[]): Ex[] {
  return interleave(xs.map((x, i) => erfBody(f, f32x4Ops(f), x, outs[i])));
}
