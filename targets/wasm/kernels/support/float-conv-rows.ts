import type { Ex } from "../../binaryen.js";
import type { Arr, Local, Val } from "../../dsl.js";
import type { WasmKernelEnv } from "../types.js";
import { lanes32 } from "./lanes.js";

export interface FloatConvRows {
  readonly x: Arr;
  readonly wt: Arr;
  readonly bias?: Arr;
  readonly y: Arr;
  /** Input channels per group; kernel height and width; the vertical stride; dilations. */
  readonly channels: number;
  readonly kernel: readonly [number, number];
  readonly strideH: number;
  readonly dilations: readonly [number, number];
  readonly H: Val;
  readonly W: Val;
  readonly OH: Val;
  readonly OW: Val;
  readonly HW: Val;
  /** Top and left padding. */
  readonly ph: Local;
  readonly pw: Local;
  /** The output channel, and where its group's first input plane and its weights start. */
  readonly oc: Local;
  readonly inputBase: Val;
  readonly weightBase: Val;
  /** Where the output channel's plane starts in y. */
  readonly outputBase: Val;
}

/** Outputs a block holds: four f64x2 accumulators. */
const BLOCK = 8;

/**
 * One output channel of a float convolution of stride 1 along the width, with SIMD. Eight
 * neighbouring outputs of a row whose taps all lie inside the row accumulate in four f64x2 registers:
 * each output gets the js kernel's additions in its order (bias, input channel, kernel row, kernel
 * column; f32 x f32 products are exact in f64), so the float32 results are bit-identical, without the
 * accumulator plane the tap-major loop reads and writes per tap. Per input row, the inputs the
 * block's taps read are promoted to f64 pairs once and serve every tap (pairs at odd offsets
 * shuffled from the even ones); constant weights are promoted once, at prepare, so a tap's weight
 * is one splat load. The border columns go one by one, leaving out the taps outside the image as
 * the js kernel does; the blocks cover all others.
 */
export function floatConvRows(env: WasmKernelEnv, o: FloatConvRows): Ex[] {
  const f = env.fn;
  const m = f.m;
  const v = m.f64x2;
  const [KH, KW] = o.kernel;
  const [DH, DW] = o.dilations;
  const wt64 = weightsF64(env);
  const [ic, kh, kw, oh, ow, ih, iw, xc, wc, first, last] = Array.from({ length: 11 }, () => f.i32Local());
  const [b, s] = [f.f64Local(), f.f64Local()];
  const inside = (i: Local, size: Val) => m.i32.and(m.i32.ge_s(i.get(), f.i32(0)), m.i32.lt_s(i.get(), size()));
  const weight = (kwAt: Ex) => f.loadF(o.wt, f.add(wc.get(), f.mul(kh.get(), f.i32(KW)), kwAt));
  // For each input channel of the group and each kernel row inside the image: `body`.
  const taps = (body: Ex[]): Ex =>
    f.for(ic, f.i32(0), () => f.i32(o.channels), [
      xc.set(f.add(o.inputBase(), m.i32.mul(ic.get(), o.HW()))),
      wc.set(f.add(o.weightBase(), f.mul(ic.get(), f.i32(KH * KW)))),
      f.for(kh, f.i32(0), () => f.i32(KH), [
        ih.set(f.add(f.mul(oh.get(), f.i32(o.strideH)), m.i32.sub(f.mul(kh.get(), f.i32(DH)), o.ph.get()))),
        f.if(inside(ih, o.H), body),
      ]),
    ]);
  const outAt = (k: number) => f.add(o.outputBase(), m.i32.mul(oh.get(), o.OW()), ow.get(), f.i32(k));
  const single = (from: Ex, to: Val): Ex =>
    f.for(ow, from, to, [
      s.set(b.get()),
      taps([
        f.for(kw, f.i32(0), () => f.i32(KW), [
          iw.set(f.add(ow.get(), m.i32.sub(f.mul(kw.get(), f.i32(DW)), o.pw.get()))),
          f.if(inside(iw, o.W), [
            s.set(
              m.f64.add(
                s.get(),
                m.f64.mul(weight(kw.get()), f.loadF(o.x, f.add(xc.get(), m.i32.mul(ih.get(), o.W()), iw.get()))),
              ),
            ),
          ]),
        ]),
      ]),
      f.storeF(o.y, outAt(0), s.get()),
    ]);
  // Byte addresses of the block's first input and of the kernel row's weights, so that every load
  // takes a constant offset.
  const [xp, wp] = [f.i32Local(), f.i32Local()];
  // The block reads inputs 0 .. span - 1 of its row: pairs start at k*DW + 2j.
  const span = (KW - 1) * DW + BLOCK;
  const evens = Array.from({ length: Math.ceil(span / 2) }, () => f.local(f.b.v128));
  const odds = new Map<number, Local>();
  for (let k = 0; k < KW; k++) {
    for (let j = 0; j < BLOCK / 2; j++) if ((k * DW) % 2 === 1) odds.set(k * DW + 2 * j, f.local(f.b.v128));
  }
  const pair = (start: number): Ex => (start % 2 === 0 ? evens[start / 2] : (odds.get(start) as Local)).get();
  const loadPairs = (): Ex[] => [
    ...evens.map((l, e) => {
      // The last input alone where it ends the span, so that nothing past the row is read.
      const load = 2 * e + 1 < span ? m.v128.load64_zero(8 * e, 4, xp.get()) : m.v128.load32_zero(8 * e, 4, xp.get());
      return l.set(v.promote_low_f32x4(load));
    }),
    ...[...odds].map(([start, l]) => {
      const [lo, hi] = [evens[(start - 1) / 2], evens[(start + 1) / 2]];
      return l.set(lanes32(f, lo.get(), hi.get(), [2, 3, 4, 5]));
    }),
  ];
  const acc = Array.from({ length: BLOCK / 2 }, () => f.local(f.b.v128));
  const wv = f.local(f.b.v128);
  const splatWeight = (k: number): Ex =>
    wt64 ? m.v128.load64_splat(8 * k, 8, wp.get()) : v.splat(m.f64.promote(m.f32.load(4 * k, 4, wp.get())));
  const block = (): Ex[] => [
    ...acc.map((a) => a.set(v.splat(b.get()))),
    taps([
      xp.set(f.addr(o.x, f.add(xc.get(), m.i32.mul(ih.get(), o.W()), m.i32.sub(ow.get(), o.pw.get())))),
      wp.set(f.addr(wt64 ?? o.wt, f.add(wc.get(), f.mul(kh.get(), f.i32(KW))))),
      ...loadPairs(),
      ...Array.from({ length: KW }, (_, k) => [
        wv.set(splatWeight(k)),
        ...acc.map((a, j) => a.set(v.add(a.get(), v.mul(wv.get(), pair(k * DW + 2 * j))))),
      ]).flat(),
    ]),
    ...acc.map((a, j) => m.v128.store64_lane(0, 4, 0, f.addr(o.y, outAt(2 * j)), m.f32x4.demote_f64x2_zero(a.get()))),
  ];
  // The right border: a block's last tap column, ow + 7 - pw + (KW - 1) * DW, stays below W.
  const rightEnd = () => f.add(o.W(), o.pw.get(), f.i32(1 - BLOCK - (KW - 1) * DW));
  return [
    b.set(o.bias ? f.loadF(o.bias, o.oc.get()) : f.f64(0)),
    // Blocks start at or after the left padding and end before the right border's taps.
    first.set(m.select(m.i32.lt_s(o.pw.get(), o.OW()), o.pw.get(), o.OW())),
    last.set(m.i32.sub(o.OW(), f.i32(BLOCK - 1))),
    last.set(m.select(m.i32.lt_s(last.get(), rightEnd()), last.get(), rightEnd())),
    f.for(oh, f.i32(0), o.OH, [
      single(f.i32(0), first.get),
      f.for(ow, first.get(), last.get, block(), BLOCK),
      // The columns short of a whole block: one more block ending at the last one that fits,
      // overlapping the one before (outputs are stored, not accumulated).
      f.if(m.i32.and(m.i32.lt_s(ow.get(), f.add(last.get(), f.i32(BLOCK - 1))), m.i32.gt_s(last.get(), first.get())), [
        ow.set(f.add(last.get(), f.i32(-1))),
        ...block(),
        ow.set(f.add(last.get(), f.i32(BLOCK - 1))),
      ]),
      single(ow.get(), o.OW),
    ]),
  ];
}

/** Constant weights promoted to f64 once, at prepare (none for weights computed at run time). */
function weightsF64(env: WasmKernelEnv): Arr | undefined {
  const w = env.constant(1);
  if (!w) return undefined;
  return env.derived(`f64_weights_${w.length}`, 1, 8 * w.length, "f64", (g, src, dst) => {
    const i = g.i32Local();
    return [g.for(i, g.i32(0), () => g.i32(w.length), [g.store(dst, i.get(), g.loadF(src, i.get()))])];
  });
}
