import { SIGMOID_F32 } from "../../compiler/ops/support/activation.js";
import type { Ex } from "./binaryen.js";
import type { Fn, Local } from "./dsl.js";
import { type F32Ops, f32Routine, horner } from "./f32-ops.js";

/**
 * The module's sigmoid: compiler/ops/support/activation.ts's float32 definition, operation for
 * operation, on one f32 (`qsigmoid`, f64 in and out like the other scalar math functions) or written
 * out on f32x4 lanes. Each f32 operation is the js target's f32() of the double operation, so all
 * three agree bit for bit.
 */

/** The statements that leave sigmoid(x) in `out`, x an f32 (or f32x4) local. */
function sigmoidBody(f: Fn, o: F32Ops, x: Local, out: Local): Ex[] {
  const S = SIGMOID_F32;
  const [a, k, r, p, e] = Array.from({ length: 5 }, () => f.local(o.type));
  return [
    a.set(o.max(o.neg(o.abs(x.get())), o.c(S.floor))),
    k.set(o.floor(o.add(o.mul(a.get(), o.c(S.log2e)), o.c(0.5)))),
    r.set(o.sub(o.sub(a.get(), o.mul(k.get(), o.c(S.ln2Hi))), o.mul(k.get(), o.c(S.ln2Lo)))),
    ...horner(o, p, r, S.poly),
    e.set(o.add(o.add(o.mul(o.mul(r.get(), r.get()), p.get()), r.get()), o.c(1))),
    e.set(o.mul(o.mul(e.get(), o.pow2(o.add(k.get(), o.c(64)))), o.c(2 ** -64))),
    out.set(o.div(o.nonNegative(x.get(), o.c(1), e.get()), o.add(o.c(1), e.get()))),
  ];
}

/** qsigmoid and its written-out form (f32-ops.ts). */
export const qsigmoid = f32Routine("qsigmoid", sigmoidBody);
