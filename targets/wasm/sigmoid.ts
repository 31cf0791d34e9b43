import { SIGMOID_F32 } from "../../compiler/ops/support/activation.js";
import type { Ex } from "./binaryen.js";
import { type Fn, interleave, type Local } from "./dsl.js";
import { type F32Ops, f32Ops, f32x4Ops } from "./f32-ops.js";

/**
 * The module's sigmoid: compiler/ops/support/activation.ts's float32 definition, operation for
 * operation, once on one f32 (`qsigmoid`, f64 in and out like the other scalar math functions) and
 * once on four f32x4 lanes (`qsigmoid4`). Each f32 operation is the js target's f32() of the double
 * operation, so all three agree bit for bit.
 */

/** The statements that leave sigmoid(x) in `out`, x an f32 (or f32x4) local. */
function sigmoidBody(f: Fn, o: F32Ops, x: Local, out: Local): Ex[] {
  const S = SIGMOID_F32;
  const [a, k, r, p, e] = Array.from({ length: 5 }, () => f.local(o.type));
  const t = S.taylor;
  return [
    a.set(o.max(o.neg(o.abs(x.get())), o.c(S.floor))),
    k.set(o.floor(o.add(o.mul(a.get(), o.c(S.log2e)), o.c(0.5)))),
    r.set(o.sub(o.sub(a.get(), o.mul(k.get(), o.c(S.ln2Hi))), o.mul(k.get(), o.c(S.ln2Lo)))),
    p.set(o.c(t[5])),
    ...[4, 3, 2, 1, 0].map((i) => p.set(o.add(o.mul(p.get(), r.get()), o.c(t[i])))),
    e.set(o.add(o.add(o.mul(o.mul(r.get(), r.get()), p.get()), r.get()), o.c(1))),
    e.set(o.mul(o.mul(e.get(), o.pow2(o.add(k.get(), o.c(64)))), o.c(2 ** -64))),
    out.set(o.div(o.nonNegative(x.get(), o.c(1), e.get()), o.add(o.c(1), e.get()))),
  ];
}

/** qsigmoid: f64 -> f64 through float32; NaN returns at once (i32.trunc_s would trap on it). */
export function sigmoidFn(f: Fn): void {
  const m = f.m;
  const x = f.param(f.b.f64);
  const [x32, s] = [f.local(f.b.f32), f.local(f.b.f32)];
  f.build(
    "qsigmoid",
    f.b.f64,
    f.seq([
      f.if(m.f64.ne(x.get(), x.get()), [m.return(x.get())]),
      x32.set(m.f32.demote(x.get())),
      ...sigmoidBody(f, f32Ops(f), x32, s),
      m.return(m.f64.promote(s.get())),
    ]),
  );
}

/** qsigmoid4: f32x4 -> f32x4, each lane as qsigmoid (a NaN lane gives NaN). */
export function sigmoid4Fn(f: Fn): void {
  const x = f.param(f.b.v128);
  const s = f.local(f.b.v128);
  f.build("qsigmoid4", f.b.v128, f.seq([...sigmoidBody(f, f32x4Ops(f), x, s), f.m.return(s.get())]));
}

/**
 * qsigmoid4 written out in a kernel, on several f32x4 locals at once (outs[i] = sigmoid(xs[i])):
 * their statements interleaved, so that the vectors' dependency chains overlap, and no call, which
 * in V8 would spill every vector the kernel keeps in registers.
 */
export function sigmoid4Inline(f: Fn, xs: readonly Local[], outs: readonly Local[]): Ex[] {
  return interleave(xs.map((x, i) => sigmoidBody(f, f32x4Ops(f), x, outs[i])));
}

/** qsigmoid2: f64x2 -> f64x2, qsigmoid4 on the two lanes demoted (f64 kernels' two-lane form). */
export function sigmoid2Fn(f: Fn): void {
  const m = f.m;
  const x = f.param(f.b.v128);
  f.build(
    "qsigmoid2",
    f.b.v128,
    m.f64x2.promote_low_f32x4(m.call("qsigmoid4", [m.f32x4.demote_f64x2_zero(x.get())], f.b.v128)),
  );
}
