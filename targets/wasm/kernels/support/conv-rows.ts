import type { Ex } from "../../binaryen.js";
import type { Arr, Local } from "../../dsl.js";
import type { WasmKernelEnv } from "../types.js";
import { borderMasks, type ConvWindow, maskedSum } from "./conv-window.js";
import { affineValue, channelTerms, codeBound, i16Steps, i32PairToF64, WideSums, weightBound } from "./wide-sums.js";

/** The window (conv-window.ts) and the weights and bases of one output channel. */
export interface ConvRow extends ConvWindow {
  readonly wt: Arr;
  /** Locals the caller keeps current: the output channel, and where the codes of the group's first
   * input channel and the output channel's weights start. */
  readonly oc: Local;
  readonly xb: Local;
  readonly wb: Local;
}

/**
 * One output row of a convolution of stride 1 along the width, with SIMD, eight columns at a time
 * (the last block of a row overlaps the one before it): a tap adds a splat weight times eight
 * contiguous codes (WideSums) and the codes themselves. In a block at the left or right border, the
 * codes of columns outside the image are masked to 0, which adds nothing to either sum, and the
 * weight sums and tap counts are per column; elsewhere they depend only on the row. So every column
 * goes the SIMD way and its epilogue two lanes at a time; rows narrower than a block go the scalar
 * way. Both give the exact integer sums of the scalar kernel, and the same epilogue. The i16 sums are
 * widened after the longest stretch of taps the i16 bound allows. `channel` runs once per output
 * channel before its rows: with one input channel per group (depthwise), it splats the channel's
 * weights into registers for all its rows.
 */
export function convRow(env: WasmKernelEnv, o: ConvRow): { channel: Ex[]; row: Ex[] } {
  const f = env.fn;
  const m = f.m;
  const { quant, codes, wt, oc, xb, wb } = o;
  if (quant.mode === "dls") throw env.error("convRow needs an affine activation quantizer");
  const [KH, KW] = o.kernel;
  const [, DW] = o.dilations;
  const [, PL] = o.padsBegin;
  const T = KH * KW;
  const CG = o.channels;
  const steps = i16Steps(codeBound(quant) * Math.max(1, weightBound(env)));
  const [ic, s0, ow, last, rows, sw, xc, wc] = Array.from({ length: 8 }, () => f.i32Local());
  // The byte address of column -PL of each tap row's input row, in the current input channel.
  const rowAt = Array.from({ length: KH }, () => f.i32Local());
  const ih = Array.from({ length: KH }, () => f.i32Local());
  // The row's weight sums over the valid tap rows and input channels, per tap column.
  const cw = Array.from({ length: KW }, () => f.i32Local());
  const mask = Array.from({ length: KW }, () => f.local(f.b.v128));
  const [vp1, vp2, vs3, vt4, vqa, vbw, vc, swLo, swHi, cnLo, cnHi] = Array.from({ length: 11 }, () =>
    f.local(f.b.v128),
  );
  // The block's eight values, two columns each.
  const values = Array.from({ length: 4 }, () => f.local(f.b.v128));
  const splats = CG === 1 ? Array.from({ length: T }, () => f.local(f.b.v128)) : [];
  const acc = new WideSums(f);
  // The code sums only where the epilogue has the offset terms (weights not symmetric).
  const sx = o.bw ? new WideSums(f) : undefined;
  const widen = () => [...acc.widen(), ...(sx?.widen() ?? [])];
  const F = (v: Ex) => m.f64x2.splat(v);
  const weight = (t: number) => f.load(wt, f.add(wc.get(), f.i32(t)));
  const weightVector = (t: number) => (CG === 1 ? splats[t].get() : m.i16x8.splat(weight(t)));
  // For each input channel of the group: the channel's code and weight bases, then the body.
  const channels = (body: Ex[]): Ex[] =>
    CG === 1
      ? [xc.set(xb.get()), wc.set(wb.get()), ...body]
      : [
          f.for(ic, f.i32(0), () => f.i32(CG), [
            xc.set(f.add(xb.get(), m.i32.mul(ic.get(), o.channelStride()))),
            wc.set(f.add(wb.get(), f.mul(ic.get(), f.i32(T)))),
            ...body,
          ]),
        ];
  const rowAddresses = () =>
    Array.from({ length: KH }, (_, k) =>
      rowAt[k].set(f.addr(codes, f.add(xc.get(), m.i32.mul(ih[k].get(), o.W()), f.i32(-PL)))),
    );
  // A stretch is `steps` taps of a tap row, a tap row, the taps of an input channel, or the whole
  // window, whichever the i16 bound allows (a tap row outside the image skips its widening too).
  const taps = (edge: boolean): Ex[] => {
    const tapRows = Array.from({ length: KH }, (_, k) =>
      f.if(o.inside(ih[k]), [
        ...Array.from({ length: KW }, (_, kw) => {
          const load = m.v128.load(2 * kw * DW, 2, m.i32.add(rowAt[k].get(), m.i32.shl(ow.get(), f.i32(1))));
          return [
            vc.set(edge ? m.v128.and(load, mask[kw].get()) : load),
            acc.add(m.i16x8.mul(weightVector(k * KW + kw), vc.get())),
            ...(sx ? [sx.add(vc.get())] : []),
            ...(steps < KW && ((kw + 1) % steps === 0 || kw === KW - 1) ? widen() : []),
          ];
        }).flat(),
        ...(steps >= KW && steps < T ? widen() : []),
      ]),
    );
    // With one input channel, the row addresses are the row's and the weights are in registers.
    return [
      ...(CG === 1
        ? tapRows
        : channels([...rowAddresses(), ...tapRows, ...(steps >= T && steps < CG * T ? widen() : [])])),
      ...(steps >= CG * T ? widen() : []),
    ];
  };
  const half = (v: Local, q: number) => i32PairToF64(f, v, q & 1);
  const block = (edge: boolean): Ex[] => [
    ...acc.reset(),
    ...(sx?.reset() ?? []),
    ...taps(edge),
    ...(edge
      ? [
          swLo.set(maskedSum(f, mask, false, (kw) => cw[kw].get())),
          swHi.set(maskedSum(f, mask, true, (kw) => cw[kw].get())),
          ...(sx
            ? [
                cnLo.set(maskedSum(f, mask, false, () => f.mul(rows.get(), f.i32(CG)))),
                cnHi.set(maskedSum(f, mask, true, () => f.mul(rows.get(), f.i32(CG)))),
              ]
            : []),
        ]
      : []),
    ...[0, 1, 2, 3].flatMap((q) => {
      const [swv, cnv] = q < 2 ? [swLo, cnLo] : [swHi, cnHi];
      // The terms of channelTerms, per column: (qb*aw)*sw and (cnt*qb)*bw.
      const s3 = edge ? m.f64x2.mul(vqa.get(), half(swv, q)) : vs3.get();
      const t4 = () => (edge ? m.f64x2.mul(m.f64x2.mul(half(cnv, q), F(quant.qb())), vbw.get()) : vt4.get());
      const offsets = sx && { p2: vp2.get(), sx: sx.pair(q), t4: t4() };
      return [values[q].set(affineValue(f, true, vp1.get(), acc.pair(q), s3, offsets))];
    }),
    ...(o.deferred ? o.deferred.bare(values, ow.get) : o.finishPairs(values, ow.get)),
  ];
  const bw = o.bw;
  const terms = channelTerms(
    f,
    quant,
    () => o.aw(oc.get()),
    bw && (() => bw(oc.get())),
    sw.get,
    () => f.mul(rows.get(), f.i32(CG * KW)),
  );
  const channel = [
    ...splats.map((s, t) => s.set(m.i16x8.splat(f.load(wt, f.add(wb.get(), f.i32(t)))))),
    vp1.set(F(terms.p1)),
    vqa.set(F(m.f64.mul(quant.qb(), o.aw(oc.get())))),
    ...(bw && terms.offsets ? [vp2.set(F(terms.offsets.p2)), vbw.set(F(bw(oc.get())))] : []),
  ];
  const row = [
    ...Array.from({ length: KH }, (_, k) => ih[k].set(o.inputRow(f.i32(k)))),
    // The row's valid tap rows and weight sums (all columns of an interior block, and per tap column).
    rows.set(f.i32(0)),
    ...cw.map((c) => c.set(f.i32(0))),
    ...Array.from({ length: KH }, (_, k) =>
      f.if(o.inside(ih[k]), [
        rows.set(f.add(rows.get(), f.i32(1))),
        ...channels(cw.map((c, kw) => c.set(m.i32.add(c.get(), weight(k * KW + kw))))),
      ]),
    ),
    sw.set(cw.map((c) => c.get()).reduce((a, b) => m.i32.add(a, b))),
    vs3.set(F(terms.s3)),
    ...(terms.offsets ? [vt4.set(F(terms.offsets.t4))] : []),
    ...(CG === 1 ? [xc.set(xb.get()), ...rowAddresses()] : []),
    f.if(
      m.i32.ge_s(o.OW(), f.i32(8)),
      [
        f.for(
          s0,
          f.i32(0),
          o.OW,
          [
            ow.set(m.select(m.i32.lt_s(s0.get(), m.i32.sub(o.OW(), f.i32(8))), s0.get(), m.i32.sub(o.OW(), f.i32(8)))),
            f.if(m.i32.and(m.i32.ge_s(ow.get(), f.i32(PL)), m.i32.lt_s(ow.get(), last.get())), block(false), [
              ...borderMasks(f, mask, o, ow),
              ...block(true),
            ]),
          ],
          8,
        ),
        ...(o.deferred?.finishRow() ?? []),
      ],
      [o.scalar(f.i32(0), o.OW)],
    ),
  ];
  return {
    channel: [last.set(m.i32.sub(o.W(), f.i32(7 - PL + (KW - 1) * DW))), ...channel],
    row,
  };
}
