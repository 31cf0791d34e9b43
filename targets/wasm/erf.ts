import { ERF_F32 } from "../../compiler/ops/support/erf-table.js";
import type { Ex } from "./binaryen.js";
import { type Fn, interleave, type Local } from "./dsl.js";
import { type F32Ops, f32Routine, horner } from "./f32-ops.js";

/**
 * The module's erf: compiler/ops/support/erf.ts's float32 definition, operation for operation, on
 * one f32 (`qerf`, f64 in and out like the other scalar math functions) or written out on f32x4
 * lanes. Both of its polynomials run on every lane and a select keeps the one the lane's magnitude
 * picks, which gives the scalar definition's value: neither can trap.
 */

/** The statements that leave erf(x) in `out` (which may be x), x an f32 (or f32x4) local. */
function erfBody(f: Fn, o: F32Ops, x: Local, out: Local): Ex[] {
  const c = ERF_F32;
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
    out.set(o.keepNaN(x.get, o.below(x.get(), o.c(0), o.neg(r.get()), r.get()))),
  ];
}

/** qerf and its written-out form (f32-ops.ts). */
export const qerf = f32Routine("qerf", erfBody);
