import { shapeSpec } from "../../../shared/broadcast.js";
import { poolGeometry } from "../../../shared/pool-geometry.js";
import type { Ex } from "../../binaryen.js";
import type { WasmKernelGenerator } from "../types.js";
import { convPlanes } from "./conv-planes.js";

/**
 * A 2-D pool, bit-identical to the js target's (support/pool.ts there): per output, the window's
 * taps inside the image in row-major order; Max takes the first such tap and then any greater one;
 * Average sums in f64 and divides by the taps inside the image, or with count_include_pad by the
 * window positions inside the image and its pads.
 */
export function poolKernel(kind: "max" | "average"): WasmKernelGenerator {
  return (env) => {
    const g = poolGeometry(env, kind === "max" ? "max_pool" : "average_pool");
    const [PT, PL, PB, PR] = g.pads;
    const includePad = kind === "average" && env.int("count_include_pad", 0) !== 0;
    const x = env.input(0);
    const y = env.output(0);
    const { H, W, OH, OW, HW, OHW } = convPlanes(env, g.xs, g.ys);
    const f = env.fn;
    const m = f.m;
    const [p, oh, ow, kh, kw, ih, iw, xb, yb, n, ch, cw, c] = Array.from({ length: 13 }, () => f.i32Local());
    const acc = f.f64Local();
    const v = f.f64Local();
    const i32 = (k: number) => f.i32(k);
    /** ih or iw of a tap: o * stride - pad + k * dilation. */
    const at = (o: Ex, s: number, pad: number, k: Ex, d: number) =>
      m.i32.add(m.i32.sub(m.i32.mul(o, i32(s)), i32(pad)), m.i32.mul(k, i32(d)));
    const inside = (i: Ex, size: Ex) => m.i32.lt_u(i, size);
    /** Window positions inside the image and its pads along one axis. */
    const padded = (
      count: typeof ch,
      k: typeof kh,
      o: typeof oh,
      axis: { kn: number; s: number; d: number; lo: number; hi: number },
      size: Ex,
    ) => [
      count.set(i32(0)),
      f.for(k, i32(0), () => i32(axis.kn), [
        c.set(at(o.get(), axis.s, axis.lo, k.get(), axis.d)),
        f.if(m.i32.and(m.i32.ge_s(c.get(), i32(-axis.lo)), m.i32.lt_s(c.get(), m.i32.add(size, i32(axis.hi)))), [
          count.set(m.i32.add(count.get(), i32(1))),
        ]),
      ]),
    ];
    const take =
      kind === "max"
        ? f.if(m.i32.or(m.i32.eqz(n.get()), m.f64.gt(v.get(), acc.get())), [acc.set(v.get())])
        : acc.set(m.f64.add(acc.get(), v.get()));
    const divisor = includePad ? m.f64.convert_s.i32(m.i32.mul(ch.get(), cw.get())) : m.f64.convert_s.i32(n.get());
    const result = kind === "max" ? acc.get() : m.f64.div(acc.get(), divisor);
    const tapRow = [
      iw.set(at(ow.get(), g.SW, PL, kw.get(), g.DW)),
      f.if(inside(iw.get(), W()), [
        v.set(f.loadF(x, f.add(xb.get(), m.i32.mul(ih.get(), W()), iw.get()))),
        take,
        n.set(m.i32.add(n.get(), i32(1))),
      ]),
    ];
    const output = [
      ...(includePad ? padded(cw, kw, ow, { kn: g.KW, s: g.SW, d: g.DW, lo: PL, hi: PR }, W()) : []),
      acc.set(f.f64(kind === "max" ? Number.NEGATIVE_INFINITY : 0)),
      n.set(i32(0)),
      f.for(kh, i32(0), () => i32(g.KH), [
        ih.set(at(oh.get(), g.SH, PT, kh.get(), g.DH)),
        f.if(inside(ih.get(), H()), [f.for(kw, i32(0), () => i32(g.KW), tapRow)]),
      ]),
      f.storeF(y, f.add(yb.get(), m.i32.mul(oh.get(), OW()), ow.get()), result),
    ];
    const body = [
      f.for(p, i32(0), () => i32(g.planes), [
        xb.set(m.i32.mul(p.get(), HW())),
        yb.set(m.i32.mul(p.get(), OHW())),
        f.for(oh, i32(0), OH, [
          ...(includePad ? padded(ch, kh, oh, { kn: g.KH, s: g.SH, d: g.DH, lo: PT, hi: PB }, H()) : []),
          f.for(ow, i32(0), OW, output),
        ]),
      ]),
    ];
    return { spec: `${g.spec}${includePad ? "_incpad" : ""}_${shapeSpec(g.xs)}`, body };
  };
}
