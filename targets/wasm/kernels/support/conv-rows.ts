import type { Ex } from "../../binaryen.js";
import type { Arr, Local, Val } from "../../dsl.js";
import type { WasmKernelEnv } from "../types.js";
import type { ActivationQuant } from "./activation-quant.js";
import { affineValue, channelTerms, codeBound, i16Steps, WideSums, weightBound } from "./wide-sums.js";

export interface ConvRow {
  readonly quant: ActivationQuant;
  /** Input channels per group, and the kernel's height and width. */
  readonly channels: number;
  readonly kernel: readonly [number, number];
  readonly dilations: readonly [number, number];
  readonly padsBegin: readonly [number, number];
  readonly W: Val;
  readonly OW: Val;
  /** Activation codes, one i16 each. */
  readonly codes: Arr;
  readonly wt: Arr;
  /** Elements between two input channels' codes (H*W). */
  readonly channelStride: Val;
  /** Locals the caller keeps current: the output channel, and where the codes of the group's first
   * input channel and the output channel's weights start. */
  readonly oc: Local;
  readonly xb: Local;
  readonly wb: Local;
  /** The input row of tap row `kh` for the current output row, and whether it is inside the image. */
  readonly inputRow: (kh: Ex) => Ex;
  readonly inside: (ih: Local) => Ex;
  readonly aw: (c: Ex) => Ex;
  readonly bw: (c: Ex) => Ex;
  /** Outputs ow in [from, to) one by one, the scalar way (the border columns). */
  readonly scalar: (from: Ex, to: Val) => Ex;
  /** Stores the f64x2 values `v` of columns `ow`, `ow` + 1 (the current channel and row). */
  readonly finishPair: (v: Local, ow: Val) => Ex[];
}

/**
 * One output row of a convolution of stride 1 along the width, with SIMD: between the border columns,
 * eight neighbouring outputs have all the taps of a valid tap row inside the image, so a tap adds a
 * splat weight times eight contiguous codes (WideSums) and the codes themselves; the weight-code sum
 * and the tap count depend only on the row. The border columns go the scalar way; both give the exact
 * integer sums of the scalar kernel, and the same epilogue. The i16 sums are widened after each tap,
 * tap row, input channel or the whole window, the longest stretch the i16 bound allows.
 */
export function convRow(env: WasmKernelEnv, o: ConvRow): Ex[] {
  const f = env.fn;
  const m = f.m;
  const { quant, codes, wt, oc, xb, wb } = o;
  if (quant.mode === "dls") throw env.error("convRow needs an affine activation quantizer");
  const [KH, KW] = o.kernel;
  const [, DW] = o.dilations;
  const [, PL] = o.padsBegin;
  const steps = i16Steps(codeBound(quant) * Math.max(1, weightBound(env)));
  const CG = o.channels;
  const [ic, kh, kw, ih, ow, sw, cnt, first, last, xc, wc] = Array.from({ length: 11 }, () => f.i32Local());
  const [vp1, vp2, vs3, vt4, vv] = Array.from({ length: 5 }, () => f.local(f.b.v128));
  const acc = new WideSums(f);
  const sx = new WideSums(f);
  const widen = () => [...acc.widen(), ...sx.widen()];
  const terms = channelTerms(
    f,
    quant,
    () => o.aw(oc.get()),
    () => o.bw(oc.get()),
    sw.get,
    cnt.get,
  );
  const weight = () => f.load(wt, f.add(wc.get(), f.mul(kh.get(), f.i32(KW)), kw.get()));
  // for each input channel of the group: the channel's code and weight bases, then the body.
  const channels = (body: Ex[]): Ex =>
    f.for(ic, f.i32(0), () => f.i32(CG), [
      xc.set(f.add(xb.get(), m.i32.mul(ic.get(), o.channelStride()))),
      wc.set(f.add(wb.get(), f.mul(ic.get(), f.i32(KH * KW)))),
      ...body,
    ]);
  const tap = [
    vv.set(
      m.v128.load(
        0,
        2,
        f.addr(codes, f.add(xc.get(), m.i32.mul(ih.get(), o.W()), ow.get(), f.i32(-PL), f.mul(kw.get(), f.i32(DW)))),
      ),
    ),
    acc.add(m.i16x8.mul(m.i16x8.splat(weight()), vv.get())),
    sx.add(vv.get()),
    // A stretch is a tap, a tap row, or the whole window, whichever the i16 bound allows.
    ...(steps < KW ? widen() : []),
  ];
  const tapRows = (body: Ex[]): Ex =>
    f.for(kh, f.i32(0), () => f.i32(KH), [ih.set(o.inputRow(kh.get())), f.if(o.inside(ih), body)]);
  const min = (a: Val, b: Val) => m.select(m.i32.lt_s(a(), b()), a(), b());
  const pair = (p: number): Ex[] => [
    vv.set(affineValue(f, true, vp1.get(), acc.pair(p), vp2.get(), sx.pair(p), vs3.get(), vt4.get())),
    ...o.finishPair(vv, () => f.add(ow.get(), f.i32(2 * p))),
  ];
  return [
    // The row's weight-code sum and tap count (every tap of a valid tap row counts between the borders).
    sw.set(f.i32(0)),
    cnt.set(f.i32(0)),
    channels([
      tapRows([
        f.for(kw, f.i32(0), () => f.i32(KW), [sw.set(m.i32.add(sw.get(), weight()))]),
        cnt.set(f.add(cnt.get(), f.i32(KW))),
      ]),
    ]),
    vp1.set(m.f64x2.splat(terms.p1)),
    vp2.set(m.f64x2.splat(terms.p2)),
    vs3.set(m.f64x2.splat(terms.s3)),
    vt4.set(m.f64x2.splat(terms.t4)),
    first.set(min(() => f.i32(PL), o.OW)),
    last.set(
      min(
        () => m.i32.sub(o.OW(), f.i32(7)),
        () => m.i32.sub(o.W(), f.i32(7 - PL + (KW - 1) * DW)),
      ),
    ),
    o.scalar(f.i32(0), first.get),
    f.for(
      ow,
      first.get(),
      last.get,
      [
        ...acc.reset(),
        ...sx.reset(),
        channels([
          tapRows([f.for(kw, f.i32(0), () => f.i32(KW), tap), ...(steps >= KW && steps < KH * KW ? widen() : [])]),
          ...(steps >= KH * KW && steps < CG * KH * KW ? widen() : []),
        ]),
        ...(steps >= CG * KH * KW ? widen() : []),
        ...[0, 1, 2, 3].flatMap(pair),
      ],
      8,
    ),
    o.scalar(ow.get(), o.OW),
  ];
}
