import type { Ex } from "../../binaryen.js";
import type { Arr, Fn, Local } from "../../dsl.js";
import type { WasmKernelEnv } from "../types.js";
import { eachOutputRow, type FloatConvOperands, tapRange } from "./float-conv-rows.js";
import { lanes32 } from "./lanes.js";

/** Input channels a step of a 1x1 kernel's loop takes. */
const UNROLL = 4;

/**
 * Vectors of four output channels a block holds, and its output columns: two vectors (eight
 * channels) by four columns where that wastes no more lanes than one vector would, else one by
 * eight; eight accumulators either way.
 */
function blockShape(MG: number): { vectors: number; columns: number } {
  const waste = (lanes: number) => Math.ceil(MG / lanes) * lanes - MG;
  return waste(8) <= waste(4) ? { vectors: 2, columns: 4 } : { vectors: 1, columns: 8 };
}

/**
 * A float32 convolution with SIMD, output channels of a group in the lanes of vectors: a block
 * holds four or eight channels for eight or four output columns of one row in eight f32x4
 * accumulators, and a tap adds its channels' weights (vector loads; the weights rearranged so, at
 * prepare for constant weights) times the tap's input splat to every lane. Each lane gets exactly
 * the reference's float32 operations in its order (bias, input channel, kernel row, kernel column),
 * and a tap in the padding is left out of all lanes alike, so any stride, dilation and padding stay
 * bit-exact: the border columns go one at a time with their taps checked, the interior in blocks;
 * in rows whose every tap row lies inside the image (all but a few), a block walks its inputs and
 * weights by pointers, a loop step per tap row (four input channels of a 1x1 kernel), so that the
 * taps' loads and arithmetic are nearly all it executes.
 * Rows are outermost, so a row's inputs stay in cache while every block of channels reads them. A
 * group whose channel count is not a multiple of the block's runs its last channels in the low
 * lanes (zero weights in the others, whose values are never stored).
 */
export function channelLaneConv(env: WasmKernelEnv, o: FloatConvOperands): Ex[] {
  const f = env.fn;
  const m = f.m;
  const v = m.f32x4;
  const { x, y, axes } = o;
  const [KH, KW] = axes.kernel;
  const [SH, SW] = axes.strides;
  const [DH, DW] = axes.dilations;
  const T = KH * KW;
  const CG = o.C / o.G;
  const MG = o.M / o.G;
  const { first, count: MC } = o.channels;
  const { vectors: VB, columns: P } = blockShape(MC);
  const L = 4 * VB;
  const blocks = Math.ceil(MC / L);
  const rest = MC % L;
  const { table: wr, fill } = laneWeights(env, o.wt, { G: o.G, MG, first, MC, CG, T, L });
  const [n, g, ob, oc0, oh, ic, kh, kw, ihBase, iwBase, xg, xc, wc, xp, wp, t] = Array.from({ length: 16 }, () =>
    f.i32Local(),
  );
  const [khLo, khHi, kwLo, kwHi] = Array.from({ length: 4 }, () => f.i32Local());
  // A row whose every tap row lies inside the image (`whole`) walks its blocks' inputs and weights
  // by byte pointers: xq at the channel's input, wq at its weights, rs and cs the strides of an
  // input row and channel.
  const [whole, xq, wq, rs, cs] = Array.from({ length: 5 }, () => f.i32Local());
  const biasVec = Array.from({ length: VB }, () => f.local(f.b.v128));
  // acc[b][j]: channels oc0 + 4b .. oc0 + 4b + 3 of column j.
  const acc = Array.from({ length: VB }, () => Array.from({ length: P }, () => f.local(f.b.v128)));
  const wv = Array.from({ length: VB }, () => f.local(f.b.v128));
  const xs = f.local(f.b.v128);

  // y's element index of channel oc0 + c, row oh, column `col`.
  const outAt = (c: number, col: Ex) =>
    f.add(m.i32.mul(f.add(oc0.get(), f.i32(c)), o.OHW()), m.i32.mul(oh.get(), axes.OW()), col);
  /** Stores the first `channels` channels of columns ow .. ow + count - 1. */
  const store = (ow: Local, count: number, channels: number): Ex[] =>
    acc.flatMap((vs, b) => {
      const lanes = Math.max(0, Math.min(4, channels - 4 * b));
      if (count % 4 !== 0) {
        return Array.from({ length: count }, (_, j) =>
          Array.from({ length: lanes }, (_, l) =>
            m.f32.store(0, 4, f.addr(y, outAt(4 * b + l, f.add(ow.get(), f.i32(j)))), v.extract_lane(vs[j].get(), l)),
          ),
        ).flat();
      }
      // Four columns' vectors transposed into four channels' runs of four columns.
      return Array.from({ length: count / 4 }, (_, q) => {
        const a = vs.slice(4 * q, 4 * q + 4);
        const lo01 = () => lanes32(f, a[0].get(), a[1].get(), [0, 4, 1, 5]);
        const lo23 = () => lanes32(f, a[2].get(), a[3].get(), [0, 4, 1, 5]);
        const hi01 = () => lanes32(f, a[0].get(), a[1].get(), [2, 6, 3, 7]);
        const hi23 = () => lanes32(f, a[2].get(), a[3].get(), [2, 6, 3, 7]);
        const rows = [
          () => lanes32(f, lo01(), lo23(), [0, 1, 4, 5]),
          () => lanes32(f, lo01(), lo23(), [2, 3, 6, 7]),
          () => lanes32(f, hi01(), hi23(), [0, 1, 4, 5]),
          () => lanes32(f, hi01(), hi23(), [2, 3, 6, 7]),
        ];
        return rows
          .slice(0, lanes)
          .map((r, l) => m.v128.store(0, 4, f.addr(y, outAt(4 * b + l, f.add(ow.get(), f.i32(4 * q)))), r()));
      }).flat();
    });
  // The last block holds `rest` channels where MC is not a multiple of the block's.
  const stores = (ow: Local, count: number): Ex[] =>
    rest === 0
      ? store(ow, count, L)
      : [f.if(m.i32.eq(ob.get(), f.i32(blocks - 1)), store(ow, count, rest), store(ow, count, L))];

  // For each input channel of the group and each tap row inside the image: `body`, with xc and
  // wc at the channel's input plane and its rearranged weights. A 1x1 kernel's one tap row is
  // checked once, and its channels go four a step.
  const channel = (): Ex[] => [
    xc.set(f.add(xg.get(), m.i32.mul(ic.get(), o.HW()))),
    wc.set(
      f.add(f.mul(f.add(f.mul(g.get(), f.i32(blocks)), ob.get()), f.i32(CG * T * L)), f.mul(ic.get(), f.i32(T * L))),
    ),
  ];
  const tapRows = (body: () => Ex[]): Ex[] => {
    if (T !== 1) return [f.for(ic, f.i32(0), () => f.i32(CG), [...channel(), f.for(kh, khLo.get(), khHi.get, body())])];
    const whole = CG - (CG % UNROLL);
    const steps = (count: number) =>
      Array.from({ length: count }, (_, u) => [
        ...channel(),
        kh.set(f.i32(0)),
        ...body(),
        ...(u < count - 1 ? [ic.set(f.add(ic.get(), f.i32(1)))] : []),
      ]).flat();
    return [
      f.if(m.i32.lt_s(khLo.get(), khHi.get()), [
        ...(whole > 0 ? [f.for(ic, f.i32(0), () => f.i32(whole), steps(UNROLL))] : []),
        ...(CG % UNROLL ? [ic.set(f.i32(whole)), ...steps(CG % UNROLL)] : []),
      ]),
    ];
  };
  const inputRow = () => f.add(xc.get(), m.i32.mul(f.add(ihBase.get(), f.mul(kh.get(), f.i32(DH))), axes.W()));

  const single = (ow: Local): Ex[] => [
    ...biasVec.map((bv, b) => acc[b][0].set(bv.get())),
    iwBase.set(m.i32.sub(f.mul(ow.get(), f.i32(SW)), axes.pw.get())),
    ...tapRange(f, [kwLo, kwHi], iwBase, DW, KW, axes.W, t),
    ...tapRows(() => [
      xp.set(f.add(inputRow(), iwBase.get())),
      wp.set(f.addr(wr, f.add(wc.get(), f.mul(kh.get(), f.i32(KW * L))))),
      f.for(kw, kwLo.get(), kwHi.get, [
        xs.set(m.v128.load32_splat(0, 4, f.addr(x, f.add(xp.get(), f.mul(kw.get(), f.i32(DW)))))),
        ...acc.map((vs, b) =>
          vs[0].set(
            v.add(vs[0].get(), v.mul(m.v128.load(16 * b, 4, f.add(wp.get(), f.mul(kw.get(), f.i32(4 * L)))), xs.get())),
          ),
        ),
      ]),
    ]),
    ...stores(ow, 1),
  ];

  // One tap row's KW taps for the block: inputs from byte address `row`, weights from `w`.
  const blockTapRow = (row: Local, w: Local, wOffset = 0): Ex[] =>
    Array.from({ length: KW }, (_, k) => [
      ...wv.map((wb, b) => wb.set(m.v128.load(wOffset + 4 * (k * L + 4 * b), 4, w.get()))),
      ...Array.from({ length: P }, (_, j) => [
        xs.set(m.v128.load32_splat(4 * (j * SW + k * DW), 4, row.get())),
        ...acc.map((vs, b) => vs[j].set(v.add(vs[j].get(), v.mul(wv[b].get(), xs.get())))),
      ]).flat(),
    ]).flat();
  // Input channels from xq and wq, every tap row inside the image, both pointers moved past them:
  // a 1x1 kernel's `count` channels unrolled, a bigger kernel's one channel in a loop over its tap
  // rows (unrolling those measured slower).
  const windowStep = (count: number): Ex[] => {
    if (T === 1) {
      return [
        ...Array.from({ length: count }, (_, u) => [
          xp.set(u === 0 ? xq.get() : f.add(xp.get(), cs.get())),
          ...blockTapRow(xp, wq, 4 * u * L),
        ]).flat(),
        xq.set(f.add(xp.get(), cs.get())),
        wq.set(f.add(wq.get(), f.i32(4 * count * L))),
      ];
    }
    return [
      xp.set(xq.get()),
      f.for(kh, f.i32(0), () => f.i32(KH), [
        ...blockTapRow(xp, wq),
        xp.set(f.add(xp.get(), rs.get())),
        wq.set(f.add(wq.get(), f.i32(4 * KW * L))),
      ]),
      xq.set(f.add(xq.get(), cs.get())),
    ];
  };
  const windowBlock = (ow: Local): Ex[] => {
    const step = T === 1 ? UNROLL : 1;
    const steps = CG - (CG % step);
    return [
      xq.set(
        f.addr(
          x,
          f.add(xg.get(), m.i32.mul(ihBase.get(), axes.W()), m.i32.sub(f.mul(ow.get(), f.i32(SW)), axes.pw.get())),
        ),
      ),
      wq.set(f.addr(wr, f.mul(f.add(f.mul(g.get(), f.i32(blocks)), ob.get()), f.i32(CG * T * L)))),
      ...(steps > 0 ? [f.for(ic, f.i32(0), () => f.i32(steps), windowStep(step), step)] : []),
      ...(CG % step ? windowStep(CG % step) : []),
    ];
  };
  const block = (ow: Local): Ex[] => [
    ...acc.flatMap((vs, b) => vs.map((a) => a.set(biasVec[b].get()))),
    f.if(
      whole.get(),
      windowBlock(ow),
      tapRows(() => [
        xp.set(f.addr(x, f.add(inputRow(), m.i32.sub(f.mul(ow.get(), f.i32(SW)), axes.pw.get())))),
        wp.set(f.addr(wr, f.add(wc.get(), f.mul(kh.get(), f.i32(KW * L))))),
        ...blockTapRow(xp, wp),
      ]),
    ),
    ...stores(ow, P),
  ];

  // The block's biases; lanes past the group's last channel stay 0 (never stored).
  const biasLanes = (): Ex[] => {
    const bias = o.bias;
    const zero = biasVec.map((bv) => bv.set(v.splat(m.f32.const(0))));
    if (!bias) return zero;
    const lane = (c: number) =>
      biasVec[c >> 2].set(
        v.replace_lane(
          biasVec[c >> 2].get(),
          c & 3,
          f.load(bias, f.add(f.mul(g.get(), f.i32(MG)), f.mul(ob.get(), f.i32(L)), f.i32(first + c))),
        ),
      );
    const lanes = (count: number) => Array.from({ length: count }, (_, c) => lane(c));
    if (rest === 0) return [...zero, ...lanes(L)];
    return [...zero, f.if(m.i32.eq(ob.get(), f.i32(blocks - 1)), lanes(rest), lanes(L))];
  };

  return [
    ...fill,
    rs.set(f.mul(axes.W(), f.i32(4 * DH))),
    cs.set(f.mul(o.HW(), f.i32(4))),
    f.for(n, f.i32(0), () => f.i32(o.N), [
      f.for(g, f.i32(0), () => f.i32(o.G), [
        xg.set(m.i32.mul(f.add(f.mul(n.get(), f.i32(o.C)), f.mul(g.get(), f.i32(CG))), o.HW())),
        ...eachOutputRow(f, axes, oh, {
          row: [
            ihBase.set(m.i32.sub(f.mul(oh.get(), f.i32(SH)), axes.ph.get())),
            ...tapRange(f, [khLo, khHi], ihBase, DH, KH, axes.H, t),
            whole.set(m.i32.and(m.i32.eqz(khLo.get()), m.i32.eq(khHi.get(), f.i32(KH)))),
          ],
          // Every block of output channels per row, so that the row's inputs stay in cache for all.
          columns: (walk) => [
            f.for(ob, f.i32(0), () => f.i32(blocks), [
              // oc0 counts planes of y from image n's first.
              oc0.set(
                f.add(f.mul(n.get(), f.i32(o.M)), f.mul(g.get(), f.i32(MG)), f.mul(ob.get(), f.i32(L)), f.i32(first)),
              ),
              ...biasLanes(),
              ...walk,
            ]),
          ],
          single,
          block,
          width: P,
        }),
      ]),
    ]),
  ];
}

/**
 * The weights as [group][channel block][input channel][tap][L lanes], zero past a group's last
 * channel: a table filled at prepare for constant weights, else scratch filled by each run.
 */
function laneWeights(
  env: WasmKernelEnv,
  wt: Arr,
  {
    G,
    MG,
    first,
    MC,
    CG,
    T,
    L,
  }: { G: number; MG: number; first: number; MC: number; CG: number; T: number; L: number },
): { table: Arr; fill: Ex[] } {
  const blocks = Math.ceil(MC / L);
  const count = G * blocks * CG * T * L;
  const rearrange = (f: Fn, src: Arr, dst: Arr): Ex[] => {
    const m = f.m;
    const [g, ob, ic, t, l, at, oc] = Array.from({ length: 7 }, () => f.i32Local());
    return [
      at.set(f.i32(0)),
      f.for(g, f.i32(0), () => f.i32(G), [
        f.for(ob, f.i32(0), () => f.i32(blocks), [
          f.for(ic, f.i32(0), () => f.i32(CG), [
            f.for(t, f.i32(0), () => f.i32(T), [
              f.for(l, f.i32(0), () => f.i32(L), [
                oc.set(f.add(f.mul(ob.get(), f.i32(L)), l.get())),
                f.store(
                  dst,
                  at.get(),
                  m.select(
                    m.i32.lt_s(oc.get(), f.i32(MC)),
                    f.load(
                      src,
                      f.add(
                        f.mul(
                          f.add(f.mul(f.add(f.mul(g.get(), f.i32(MG)), oc.get(), f.i32(first)), f.i32(CG)), ic.get()),
                          f.i32(T),
                        ),
                        t.get(),
                      ),
                    ),
                    m.f32.const(0),
                  ),
                ),
                at.set(f.add(at.get(), f.i32(1))),
              ]),
            ]),
          ]),
        ]),
      ]),
    ];
  };
  if (env.constant(1)) {
    const table = env.derived(
      `conv_lane_weights_g${G}_m${MG}_${first}_${MC}_c${CG}_t${T}_l${L}`,
      1,
      4 * count,
      "f32",
      rearrange,
    );
    return { table, fill: [] };
  }
  const table = env.scratch({ c: Math.ceil(count / 2), h: 0, w: 0, hw: 0 }, "f32");
  return { table, fill: rearrange(env.fn, wt, table) };
}
