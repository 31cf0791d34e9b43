import type { Ex } from "../../binaryen.js";
import type { Arr, Fn, Local, Val } from "../../dsl.js";
import type { WasmKernelEnv } from "../types.js";
import { borderMasks, type ConvWindow, maskedSum } from "./conv-window.js";
import { affineValue, alignedAfter, channelTerms, codeBound, i16Steps, i32PairToF64, WideSums } from "./wide-sums.js";

/** Output channels that share each load of codes, at most (blockRows). */
export const BLOCK = 4;

/**
 * The output channels of a block for MG per group: BLOCK, or three where blocks of three do less
 * work. A tap pair costs about 5 + 5b vector instructions for b rows (code loads and interleaving,
 * the weight load, then per row a splat, two dots and two adds), so ceil(MG / b) * (5 + 5b) picks
 * 3 for MG = 3, 5, 6 and 9 (no idle rows where 4 leaves one to three): edsr's and srcnn's last
 * convs (3 outputs), espcn's (9).
 */
export function blockRows(MG: number): number {
  const cost = (b: number) => Math.ceil(MG / b) * (5 + 5 * b);
  return cost(3) < cost(BLOCK) ? 3 : BLOCK;
}

/** The window (conv-window.ts) and what blocks of output channels add to it. */
export interface ConvBlocks extends ConvWindow {
  /** Groups, and output channels per group. */
  readonly groups: number;
  readonly outputs: number;
  readonly OH: Val;
  /** How many codes there are: the code sum plane follows them. */
  readonly codeCount: Val;
  /** Where the current image's codes start. */
  readonly imageBase: Val;
  /** Locals the scalar path and the stores read: the output channel and row. */
  readonly oc: Local;
  readonly oh: Local;
}

/**
 * One image of a convolution of stride 1 along the width with BLOCK output channels per group or
 * more (or a few fewer, some rows of the one block idle), with SIMD, eight columns at a time (the
 * last block of a row overlaps the one before it). One i32x4.dot_i16x8_s with a splat pair of
 * weight codes adds two taps' products for four pixels, exactly in i32, and each pair of code loads
 * feeds a block's output channels (BLOCK, or three: blockRows; two accumulators each). The two
 * taps are either the same tap of two input channels, whose codes are interleaved lane by lane (two
 * shuffles), or, without dilation along the width, two neighbouring taps kw, kw + 1 of a tap row of
 * one channel: their codes are neighbours in the row already, so the eight codes from column kw
 * pair up as the taps of the even columns, those from column kw + 1 as the odd columns' (no
 * shuffle), and the last tap column of a row of odd width as channel pairs. The way with fewer
 * pairs is taken (pairingOf): srcnn's 3 channels of 9x9 taps make 108 + 18 pairs against 162
 * channel pairs. The code sums of the window (the zero-point term) do not depend on the output
 * channel: they are computed once per group into a plane of scratch, where the weights are not
 * symmetric (with symmetric ones the epilogue has no such term). In a block at the left or right
 * border, the codes of columns outside the image are masked to 0, which adds nothing to either sum,
 * and the weight sums and tap counts are per column. An epilogue with steps runs over each
 * channel's row once the row's blocks have stored their values (ConvWindow.deferred). The weight
 * pairs and each output channel's weight sum per tap are a derived table. Rows narrower than a
 * block go the scalar way; both give the exact integer sums of the scalar kernel, and the same
 * epilogue.
 */
export function convBlocks(env: WasmKernelEnv, o: ConvBlocks): Ex[] {
  const f = env.fn;
  const m = f.m;
  const { quant, codes, oc, oh, bw, deferred } = o;
  if (quant.mode === "dls") throw env.error("convBlocks needs an affine activation quantizer");
  const [KH, KW] = o.kernel;
  const [, DW] = o.dilations;
  const [, PL] = o.padsBegin;
  const { groups: G, channels: CG, outputs: MG } = o;
  const T = KH * KW;
  const B = blockRows(MG);
  const blocks = Math.ceil(MG / B);
  const pairing = pairingOf(CG, KH, KW, DW);
  const weights = blockWeights(env, G, CG, MG, KH, KW, pairing, B);
  const units = pairCount(pairing);
  const half = Math.floor(KW / 2);
  const [g, bi, p, j, s0, ow, last, xg, x0, x1, wp, plane, rows, ocb, tc, ic, t, ca, cb, wu] = Array.from(
    { length: 20 },
    () => f.i32Local(),
  );
  const sw = Array.from({ length: B }, () => f.i32Local());
  // The weight sums of each block row over the valid tap rows, per tap column.
  const cw = Array.from({ length: B * KW }, () => f.i32Local());
  const ih = Array.from({ length: KH }, () => f.i32Local());
  const mask = Array.from({ length: KW }, () => f.local(f.b.v128));
  const acc = Array.from({ length: B * 2 }, () => f.local(f.b.v128));
  const [va, vb, lo, hi, wv, wq, sxLo, sxHi, vp1, vp2, vs3, vt4, swLo, swHi, cnLo, cnHi] = Array.from(
    { length: 16 },
    () => f.local(f.b.v128),
  );
  // A block row's eight values, two columns each.
  const values = Array.from({ length: 4 }, () => f.local(f.b.v128));
  const zero = () => m.v128.const(new Array(16).fill(0));
  const planeArr: Arr = { elem: "i32", base: plane.get };
  const planeAt = () => f.addr(planeArr, f.add(m.i32.mul(oh.get(), o.OW()), ow.get()));
  const codeRow = (x: Local, k: number) =>
    f.addr(codes, f.add(x.get(), m.i32.mul(ih[k].get(), o.W()), ow.get(), f.i32(-PL)));
  const tapRows = () => Array.from({ length: KH }, (_, k) => ih[k].set(o.inputRow(f.i32(k))));
  const load = (x: Local, k: number, kw: number, edge: boolean) => {
    const v = m.v128.load(2 * kw * DW, 2, codeRow(x, k));
    return edge ? m.v128.and(v, mask[kw].get()) : v;
  };
  // A unit's B weight pairs are one 16-byte load (wq; with B = 3 its last lane is the next unit's,
  // never splat), each splat by a lane shuffle (pshufd): a load32_splat per channel keeps B loaded
  // vectors (and, in V8, an address register per offset) alive across the row's taps, which spills
  // accumulators (edsr's c16_o16 at 256x256: 8.0 -> 6.8 ms CPU).
  const splatWeight = (jj: number) =>
    wv.set(
      m.i8x16.shuffle(
        wq.get(),
        wq.get(),
        Array.from({ length: 16 }, (_, b) => 4 * jj + (b % 4)),
      ),
    );
  // The row's blocks: interior ones (every tap column inside the image) and border ones.
  const eachBlock = (interior: Ex[], edge: Ex[]): Ex =>
    f.for(
      s0,
      f.i32(0),
      o.OW,
      [
        ow.set(m.select(m.i32.lt_s(s0.get(), m.i32.sub(o.OW(), f.i32(8))), s0.get(), m.i32.sub(o.OW(), f.i32(8)))),
        f.if(m.i32.and(m.i32.ge_s(ow.get(), f.i32(PL)), m.i32.lt_s(ow.get(), last.get())), interior, [
          ...borderMasks(f, mask, o, ow),
          ...edge,
        ]),
      ],
      8,
    );

  // The window's code sums: i16 sums widened after the longest stretch of taps the bound allows.
  const sx = new WideSums(f);
  const steps = i16Steps(codeBound(quant));
  const sumTaps = (edge: boolean) =>
    Array.from({ length: KH }, (_, k) =>
      f.if(o.inside(ih[k]), [
        ...Array.from({ length: KW }, (_, kw) => [
          sx.add(load(x0, k, kw, edge)),
          ...(steps < KW ? sx.widen() : []),
        ]).flat(),
        ...(steps >= KW && steps < T ? sx.widen() : []),
      ]),
    );
  const sumBlock = (edge: boolean) => [
    ...sx.reset(),
    f.for(ic, f.i32(0), () => f.i32(CG), [
      x0.set(f.add(xg.get(), m.i32.mul(ic.get(), o.channelStride()))),
      ...sumTaps(edge),
      ...(steps >= T && steps < CG * T ? sx.widen() : []),
    ]),
    ...(steps >= CG * T ? sx.widen() : []),
    m.v128.store(0, 4, planeAt(), sx.lo.get()),
    m.v128.store(16, 4, planeAt(), sx.hi.get()),
  ];
  const sums = f.for(oh, f.i32(0), o.OH, [...tapRows(), eachBlock(sumBlock(false), sumBlock(true))]);

  // BLOCK channels times eight columns of products, one tap of one input channel pair at a time.
  // The products of one tap pair: codes `a` and `b` interleaved into lo and hi (channel pairs) or
  // already paired (tap pairs), against the BLOCK weight pairs `weightPairs` loads.
  const atUnit = (unit: number) => m.v128.load(4 * B * unit, 4, wp.get());
  const tapProducts = (a: Ex, b: Ex, weightPairs: Ex, interleave: boolean): Ex[] => [
    ...(interleave
      ? [
          va.set(a),
          vb.set(b),
          lo.set(m.i8x16.shuffle(va.get(), vb.get(), LOW)),
          hi.set(
            m.i8x16.shuffle(
              va.get(),
              vb.get(),
              LOW.map((b) => b + 8),
            ),
          ),
        ]
      : [lo.set(a), hi.set(b)]),
    wq.set(weightPairs),
    ...Array.from({ length: B }, (_, jj) => [splatWeight(jj), ...dots(jj, lo, hi)]).flat(),
  ];
  // In an interior block a tap row's pairs are a loop, not unrolled: V8 schedules unrolled taps
  // channel by channel, keeping every tap's codes alive at once and spilling the accumulators; one
  // tap pair at a time fits the registers (edsr's c16_o16 at 256x256: 6.8 -> 5.1 ms CPU).
  const tapLoop = (
    k: number,
    pairs: number,
    firstUnit: number,
    x1Too: boolean,
    body: (weightPairs: Ex) => Ex[],
    step: Ex[],
  ): Ex[] => [
    ca.set(codeRow(x0, k)),
    ...(x1Too ? [cb.set(codeRow(x1, k))] : []),
    wu.set(f.add(wp.get(), f.i32(4 * B * firstUnit))),
    f.for(t, f.i32(0), () => f.i32(pairs), [
      ...body(m.v128.load(0, 4, wu.get())),
      ...step,
      wu.set(f.add(wu.get(), f.i32(4 * B))),
    ]),
  ];
  const channelPairs = (edge: boolean, from: number) =>
    Array.from({ length: KH }, (_, k) =>
      f.if(
        o.inside(ih[k]),
        edge
          ? Array.from({ length: KW - from }, (_, c) => from + c).flatMap((kw) =>
              tapProducts(load(x0, k, kw, edge), load(x1, k, kw, edge), atUnit(k * (KW - from) + kw - from), true),
            )
          : tapLoop(
              k,
              KW - from,
              k * (KW - from),
              true,
              (weightPairs) =>
                tapProducts(
                  m.v128.load(2 * from * DW, 2, ca.get()),
                  m.v128.load(2 * from * DW, 2, cb.get()),
                  weightPairs,
                  true,
                ),
              [ca.set(f.add(ca.get(), f.i32(2 * DW))), cb.set(f.add(cb.get(), f.i32(2 * DW)))],
            ),
      ),
    );
  // The same for the tap pairs of one input channel: acc[2jj] sums the even columns, acc[2jj+1] the odd.
  const tapPairs = (edge: boolean) =>
    Array.from({ length: KH }, (_, k) =>
      f.if(
        o.inside(ih[k]),
        edge
          ? Array.from({ length: half }, (_, t) =>
              tapProducts(load(x0, k, 2 * t, edge), load(x0, k, 2 * t + 1, edge), atUnit(k * half + t), false),
            ).flat()
          : tapLoop(
              k,
              half,
              k * half,
              false,
              (weightPairs) =>
                tapProducts(m.v128.load(0, 2, ca.get()), m.v128.load(2, 2, ca.get()), weightPairs, false),
              [ca.set(f.add(ca.get(), f.i32(4)))],
            ),
      ),
    );
  const dots = (jj: number, a: Local, b: Local) => [
    acc[2 * jj].set(m.i32x4.add(acc[2 * jj].get(), m.i32x4.dot_i16x8_s(a.get(), wv.get()))),
    acc[2 * jj + 1].set(m.i32x4.add(acc[2 * jj + 1].get(), m.i32x4.dot_i16x8_s(b.get(), wv.get()))),
  ];
  const products = (edge: boolean): Ex[] => [
    ...acc.map((a) => a.set(zero())),
    wp.set(f.addr(weights, f.mul(tc.get(), f.i32(units)))),
    ...pairing.flatMap((segment) => [
      f.for(p, f.i32(0), () => f.i32(segment.steps), [
        ...(segment.taps
          ? [x0.set(f.add(xg.get(), m.i32.mul(p.get(), o.channelStride()))), ...tapPairs(edge)]
          : [
              x0.set(f.add(xg.get(), m.i32.mul(f.mul(p.get(), f.i32(2)), o.channelStride()))),
              // An odd last channel pairs with itself, against a zero weight.
              x1.set(
                CG % 2 === 0
                  ? f.add(x0.get(), o.channelStride())
                  : m.select(
                      m.i32.lt_s(f.mul(p.get(), f.i32(2)), f.i32(CG - 1)),
                      f.add(x0.get(), o.channelStride()),
                      x0.get(),
                    ),
              ),
              ...channelPairs(edge, segment.from),
            ]),
        wp.set(f.add(wp.get(), f.i32(segment.perStep * B * 4))),
      ]),
      // Tap pairs leave the columns even then odd: back in order, 0-3 and 4-7, as channel pairs sum them.
      ...(segment.taps
        ? Array.from({ length: B }, (_, jj) => [
            lo.set(m.i8x16.shuffle(acc[2 * jj].get(), acc[2 * jj + 1].get(), ZIP_LOW)),
            acc[2 * jj + 1].set(m.i8x16.shuffle(acc[2 * jj].get(), acc[2 * jj + 1].get(), ZIP_HIGH)),
            acc[2 * jj].set(lo.get()),
          ]).flat()
        : []),
    ]),
    ...(bw ? [sxLo.set(m.v128.load(0, 4, planeAt())), sxHi.set(m.v128.load(16, 4, planeAt()))] : []),
  ];
  const valid = (jj: number, body: Ex[]): Ex[] =>
    MG % B === 0 ? body : [f.if(m.i32.lt_s(f.add(f.mul(bi.get(), f.i32(B)), f.i32(jj)), f.i32(MG)), body)];
  const halfOf = (v: Local, q: number) => i32PairToF64(f, v, q & 1);
  // The epilogue of block row jj; at a border, the weight sums and tap counts of each column.
  const output = (jj: number, edge: boolean): Ex[] => {
    const terms = channelTerms(
      f,
      quant,
      () => o.aw(oc.get()),
      bw && (() => bw(oc.get())),
      sw[jj].get,
      () => f.mul(rows.get(), f.i32(CG * KW)),
    );
    const F = (v: Ex) => m.f64x2.splat(v);
    return valid(jj, [
      oc.set(f.add(ocb.get(), f.i32(jj))),
      vp1.set(F(terms.p1)),
      ...(terms.offsets ? [vp2.set(F(terms.offsets.p2))] : []),
      ...(edge
        ? [
            swLo.set(maskedSum(f, mask, false, (kw) => cw[jj * KW + kw].get())),
            swHi.set(maskedSum(f, mask, true, (kw) => cw[jj * KW + kw].get())),
            vs3.set(F(m.f64.mul(quant.qb(), o.aw(oc.get())))),
            ...(bw ? [vt4.set(F(bw(oc.get())))] : []),
          ]
        : [vs3.set(F(terms.s3)), ...(terms.offsets ? [vt4.set(F(terms.offsets.t4))] : [])]),
      ...values.map((value, q) => {
        const [sxv, swv, cnv] = q < 2 ? [sxLo, swLo, cnLo] : [sxHi, swHi, cnHi];
        // The terms of channelTerms, per column: (qb*aw)*sw and (cnt*qb)*bw.
        const s3 = edge ? m.f64x2.mul(vs3.get(), halfOf(swv, q)) : vs3.get();
        const t4 = () => (edge ? m.f64x2.mul(m.f64x2.mul(halfOf(cnv, q), F(quant.qb())), vt4.get()) : vt4.get());
        const offsets = bw && { p2: vp2.get(), sx: halfOf(sxv, q), t4: t4() };
        return value.set(affineValue(f, true, vp1.get(), i32PairToF64(f, acc[2 * jj + (q >> 1)], q & 1), s3, offsets));
      }),
      ...(deferred ? deferred.bare(values, ow.get) : o.finishPairs(values, ow.get)),
    ]);
  };
  const counts = (high: boolean) =>
    mask
      .map((mk) =>
        m.v128.and(
          high ? m.i32x4.extend_high_i16x8_s(mk.get()) : m.i32x4.extend_low_i16x8_s(mk.get()),
          m.i32x4.splat(f.mul(rows.get(), f.i32(CG))),
        ),
      )
      .reduce((a, b) => m.i32x4.add(a, b));
  const tapSum = (jj: number, k: number, kw: number) =>
    f.load(
      weights,
      f.add(f.i32(blocks * G * units * B), f.mul(f.add(tc.get(), f.i32(jj)), f.i32(T)), f.i32(k * KW + kw)),
    );
  const outputRows = f.for(oh, f.i32(0), o.OH, [
    ...tapRows(),
    // The row's valid tap rows and weight sums (all columns of an interior block, and per tap column).
    rows.set(f.i32(0)),
    ...cw.map((c) => c.set(f.i32(0))),
    ...Array.from({ length: KH }, (_, k) =>
      f.if(o.inside(ih[k]), [
        rows.set(f.add(rows.get(), f.i32(1))),
        ...cw.map((c, i) => c.set(m.i32.add(c.get(), tapSum(Math.floor(i / KW), k, i % KW)))),
      ]),
    ),
    ...sw.map((s, jj) =>
      s.set(Array.from({ length: KW }, (_, kw) => cw[jj * KW + kw].get()).reduce((a, b) => m.i32.add(a, b))),
    ),
    f.if(
      m.i32.ge_s(o.OW(), f.i32(8)),
      [
        eachBlock(
          [...products(false), ...Array.from({ length: B }, (_, jj) => output(jj, false)).flat()],
          [
            ...products(true),
            ...(bw ? [cnLo.set(counts(false)), cnHi.set(counts(true))] : []),
            ...Array.from({ length: B }, (_, jj) => output(jj, true)).flat(),
          ],
        ),
        // The epilogue's steps over each channel's whole row, many outputs at once (their chains
        // overlap), rather than two values at a time.
        ...(deferred
          ? Array.from({ length: B }, (_, jj) =>
              valid(jj, [oc.set(f.add(ocb.get(), f.i32(jj))), ...deferred.finishRow()]),
            ).flat()
          : []),
      ],
      [
        f.for(j, f.i32(0), () => f.i32(B), [
          oc.set(f.add(ocb.get(), j.get())),
          f.if(m.i32.lt_s(f.add(f.mul(bi.get(), f.i32(B)), j.get()), f.i32(MG)), [o.scalar(f.i32(0), o.OW)]),
        ]),
      ],
    ),
  ]);
  return [
    plane.set(alignedAfter(f, codes.base(), m.i32.shl(o.codeCount(), f.i32(1)))),
    last.set(m.i32.sub(o.W(), f.i32(7 - PL + (KW - 1) * DW))),
    f.for(g, f.i32(0), () => f.i32(G), [
      xg.set(f.add(o.imageBase(), m.i32.mul(f.mul(g.get(), f.i32(CG)), o.channelStride()))),
      ...(bw ? [f.if(m.i32.ge_s(o.OW(), f.i32(8)), [sums])] : []),
      f.for(bi, f.i32(0), () => f.i32(blocks), [
        // The block's first output channel, and its first row of the table (where every block has
        // BLOCK rows).
        ocb.set(f.add(f.mul(g.get(), f.i32(MG)), f.mul(bi.get(), f.i32(B)))),
        tc.set(f.mul(f.add(f.mul(g.get(), f.i32(blocks)), bi.get()), f.i32(B))),
        outputRows,
      ]),
    ]),
  ];
}

/** Interleaves the low four i16 lanes of two vectors (i8x16.shuffle's byte indices). */
const LOW = [0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23];
/** Interleaves the low (high) two i32 lanes of two vectors. */
const ZIP_LOW = [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23];
const ZIP_HIGH = ZIP_LOW.map((b) => b + 8);

/**
 * A run of convBlocks' pairs of taps: `steps` steps of `perStep` pairs each. With `taps`, a step is
 * one input channel and its pairs the neighbouring taps 2t, 2t + 1 (t < floor(KW/2)) of each tap
 * row; otherwise a step is two input channels (an odd last one with a zero partner) and its pairs
 * the same tap of both, for the tap columns from `from` on of each tap row.
 */
interface Segment {
  readonly taps: boolean;
  readonly steps: number;
  readonly perStep: number;
  readonly from: number;
}

/**
 * How convBlocks pairs the taps of a group's window: all as channel pairs, or (without dilation
 * along the width) the tap pairs of each row, then an odd row's last tap column as channel pairs;
 * the second where it makes fewer pairs (an odd number of input channels; with an even number they
 * are as many, and the channel pairs are the faster, measured on edsr's 16-channel 3x3 convs).
 */
function pairingOf(CG: number, KH: number, KW: number, DW: number): Segment[] {
  const channels = (from: number): Segment => ({
    taps: false,
    steps: Math.ceil(CG / 2),
    perStep: KH * (KW - from),
    from,
  });
  const half = Math.floor(KW / 2);
  const taps: Segment[] = [
    ...(half > 0 ? [{ taps: true, steps: CG, perStep: KH * half, from: 0 }] : []),
    ...(KW % 2 === 1 ? [channels(KW - 1)] : []),
  ];
  const all = [channels(0)];
  return DW === 1 && half > 0 && pairCount(taps) < pairCount(all) ? taps : all;
}

/** How many pairs of taps a block row's table holds. */
function pairCount(pairing: readonly Segment[]): number {
  return pairing.reduce((n, s) => n + s.steps * s.perStep, 0);
}

/**
 * The derived table of convBlocks (i32), for the weight codes w [G*MG, CG, KH, KW]: per block of
 * BLOCK output channels (a group's last block padded with rows no output reads), segment, step and
 * pair, BLOCK weight pairs, the first tap's code in the low i16 and the second's in the high one (0
 * where an odd last channel has no partner); after all blocks, per row of a block and tap, the sum
 * of the row's weight codes of the tap over the input channels.
 */
function blockWeights(
  env: WasmKernelEnv,
  G: number,
  CG: number,
  MG: number,
  KH: number,
  KW: number,
  pairing: readonly Segment[],
  B: number,
): Arr {
  const T = KH * KW;
  const rows = G * Math.ceil(MG / B) * B;
  const spec = `conv_blocks_g${G}_c${CG}_m${MG}_k${KH}x${KW}_b${B}${pairing[0].taps ? "_taps" : ""}`;
  const bytes = 4 * rows * (pairCount(pairing) + T);
  return env.derived(spec, 1, bytes, "i32", (f, w, dst) => fill(f, w, dst, G, CG, MG, KH, KW, pairing, B));
}

function fill(
  f: Fn,
  w: Arr,
  dst: Arr,
  G: number,
  CG: number,
  MG: number,
  KH: number,
  KW: number,
  pairing: readonly Segment[],
  B: number,
): Ex[] {
  const m = f.m;
  const T = KH * KW;
  const blocks = Math.ceil(MG / B);
  const units = pairCount(pairing);
  const half = Math.floor(KW / 2);
  const [r, c, p, t, row, s, ch, tap, partner] = Array.from({ length: 9 }, () => f.i32Local());
  // Table row r is block r / BLOCK's row r % BLOCK: output channel c of the weights, if inside its group.
  const group = () => m.i32.div_u(r.get(), f.i32(blocks * B));
  const inGroup = () => m.i32.rem_u(r.get(), f.i32(blocks * B));
  const code = (chan: Ex, at: Ex) => f.load(w, f.add(f.mul(f.add(f.mul(c.get(), f.i32(CG)), chan), f.i32(T)), at));
  // Pair t of step p of a segment: the first tap's channel and index, and whether the second (the
  // next tap, or the same tap of the next channel) exists; without, the second load reads the first
  // again, against 0.
  const first = (segment: Segment): Ex[] => {
    if (segment.taps) {
      const [k, pair] = [m.i32.div_u(t.get(), f.i32(half)), m.i32.rem_u(t.get(), f.i32(half))];
      return [ch.set(p.get()), tap.set(f.add(f.mul(k, f.i32(KW)), f.mul(pair, f.i32(2)))), partner.set(f.i32(1))];
    }
    const columns = KW - segment.from;
    const [k, column] = [m.i32.div_u(t.get(), f.i32(columns)), m.i32.rem_u(t.get(), f.i32(columns))];
    return [
      ch.set(f.mul(p.get(), f.i32(2))),
      tap.set(f.add(f.mul(k, f.i32(KW)), f.i32(segment.from), column)),
      partner.set(m.i32.lt_s(f.add(ch.get(), f.i32(1)), f.i32(CG))),
    ];
  };
  const second = (segment: Segment) =>
    m.select(
      partner.get(),
      segment.taps ? code(ch.get(), f.add(tap.get(), f.i32(1))) : code(f.add(ch.get(), partner.get()), tap.get()),
      f.i32(0),
    );
  const segments = pairing.map((segment, i) => {
    const base = pairCount(pairing.slice(0, i));
    return f.for(p, f.i32(0), () => f.i32(segment.steps), [
      f.for(t, f.i32(0), () => f.i32(segment.perStep), [
        ...first(segment),
        f.store(
          dst,
          f.add(
            f.mul(
              f.add(
                f.mul(m.i32.div_u(r.get(), f.i32(B)), f.i32(units)),
                f.i32(base),
                f.mul(p.get(), f.i32(segment.perStep)),
                t.get(),
              ),
              f.i32(B),
            ),
            m.i32.rem_u(r.get(), f.i32(B)),
          ),
          m.i32.or(m.i32.and(code(ch.get(), tap.get()), f.i32(0xffff)), m.i32.shl(second(segment), f.i32(16))),
        ),
      ]),
    ]);
  });
  return [
    f.for(r, f.i32(0), () => f.i32(G * blocks * B), [
      row.set(m.i32.lt_s(inGroup(), f.i32(MG))),
      c.set(f.add(f.mul(group(), f.i32(MG)), inGroup())),
      f.if(row.get(), [
        ...segments,
        f.for(t, f.i32(0), () => f.i32(T), [
          s.set(f.i32(0)),
          f.for(p, f.i32(0), () => f.i32(CG), [s.set(m.i32.add(s.get(), code(p.get(), t.get())))]),
          f.store(dst, f.add(f.i32(G * blocks * B * units), f.mul(r.get(), f.i32(T)), t.get()), s.get()),
        ]),
      ]),
    ]),
  ];
}
