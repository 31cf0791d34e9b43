import type { Ex } from "../../binaryen.js";
import type { Local } from "../../dsl.js";
import type { WasmKernelEnv } from "../types.js";
import { eachOutputRow, type FloatConvOperands, tapRange } from "./float-conv-rows.js";

/**
 * A float32 convolution of stride 1 along the width whose groups have one to three output
 * channels (depthwise ones above all; more would take too many registers), with SIMD: four
 * neighbouring output columns in the lanes of a vector. A block holds all the group's channels for
 * 16 (one or two channels) or 12 (three) columns of one row; a tap adds its splat weight times the
 * inputs of the block's columns (one unaligned load per four). Each lane gets the reference's float32 operations in its order (bias,
 * input channel, kernel row, kernel column); blocks cover only columns all of whose taps lie inside
 * the image, and the border columns go one at a time, scalar, their taps in the padding left out.
 * Where every tap row of an output row lies inside the image, a block walks its inputs and weights
 * by pointers, one loop step per tap row.
 */
export function pixelLaneConv(env: WasmKernelEnv, o: FloatConvOperands): Ex[] {
  const f = env.fn;
  const m = f.m;
  const v = m.f32x4;
  const { x, wt, y, axes } = o;
  const [KH, KW] = axes.kernel;
  const [SH] = axes.strides;
  const [DH, DW] = axes.dilations;
  const T = KH * KW;
  const CG = o.C / o.G;
  const MG = o.M / o.G;
  const { first, count: R } = o.channels;
  // Vectors of four columns per output channel: nine accumulators at most (with the block's input
  // vectors and the weight, 13 of x64's 16 vector registers).
  const V = R === 1 ? 4 : R === 2 ? 4 : 3;
  const [n, g, oc0, oh, ic, kh, kw, ihBase, iwBase, xg, xc, wc, xp, wp, xr, t] = Array.from({ length: 16 }, () =>
    f.i32Local(),
  );
  const [khLo, khHi, kwLo, kwHi] = Array.from({ length: 4 }, () => f.i32Local());
  // A row whose every tap row lies inside the image (`whole`) walks its blocks' inputs and weights
  // by byte pointers: xq at the channel's input, wq at its weights, rs and cs the strides of an
  // input row and channel.
  const [whole, xq, wq, rs, cs] = Array.from({ length: 5 }, () => f.i32Local());
  const biases = Array.from({ length: R }, () => f.local(f.b.f32));
  const sums = Array.from({ length: R }, () => f.local(f.b.f32));
  const acc = Array.from({ length: R }, () => Array.from({ length: V }, () => f.local(f.b.v128)));
  const xv = Array.from({ length: V }, () => f.local(f.b.v128));
  const ws = f.local(f.b.v128);

  // y's element index of channel oc0 + r, row oh, column `col`.
  const outAt = (r: number, col: Ex) =>
    f.add(m.i32.mul(f.add(oc0.get(), f.i32(r)), o.OHW()), m.i32.mul(oh.get(), axes.OW()), col);
  // For each input channel of the group and each tap row inside the image: `body`, with xr at the
  // tap row's input row and wc at the channel's weights of the group's first output channel.
  const tapRows = (body: Ex[]): Ex =>
    f.for(ic, f.i32(0), () => f.i32(CG), [
      xc.set(f.add(xg.get(), m.i32.mul(ic.get(), o.HW()))),
      wc.set(f.add(f.mul(g.get(), f.i32(MG * CG * T)), f.i32(first * CG * T), f.mul(ic.get(), f.i32(T)))),
      f.for(kh, khLo.get(), khHi.get, [
        xr.set(f.add(xc.get(), m.i32.mul(f.add(ihBase.get(), f.mul(kh.get(), f.i32(DH))), axes.W()))),
        ...body,
      ]),
    ]);

  const single = (ow: Local): Ex[] => [
    ...sums.map((s, r) => s.set(biases[r].get())),
    iwBase.set(m.i32.sub(ow.get(), axes.pw.get())),
    ...tapRange(f, [kwLo, kwHi], iwBase, DW, KW, axes.W, t),
    tapRows([
      f.for(kw, kwLo.get(), kwHi.get, [
        xp.set(f.add(xr.get(), iwBase.get(), f.mul(kw.get(), f.i32(DW)))),
        ...sums.map((s, r) =>
          s.set(
            m.f32.add(
              s.get(),
              m.f32.mul(
                f.load(wt, f.add(wc.get(), f.i32(r * CG * T), f.mul(kh.get(), f.i32(KW)), kw.get())),
                f.load(x, xp.get()),
              ),
            ),
          ),
        ),
      ]),
    ]),
    ...sums.map((s, r) => f.store(y, outAt(r, ow.get()), s.get())),
  ];

  // One tap row's KW taps for the block: inputs from byte address `row`, weights from `w`.
  const blockTapRow = (row: Local, w: Local): Ex[] =>
    Array.from({ length: KW }, (_, k) => [
      ...xv.map((q, j) => q.set(m.v128.load(4 * (k * DW + 4 * j), 4, row.get()))),
      ...acc.flatMap((vs, r) => [
        ws.set(m.v128.load32_splat(4 * (r * CG * T + k), 4, w.get())),
        ...vs.map((a, j) => a.set(v.add(a.get(), v.mul(ws.get(), xv[j].get())))),
      ]),
    ]).flat();
  // Input channel by channel from xq and wq, tap row by tap row, every tap row inside the image.
  const windowTaps = (ow: Local): Ex[] => [
    xq.set(f.addr(x, f.add(xg.get(), m.i32.mul(ihBase.get(), axes.W()), m.i32.sub(ow.get(), axes.pw.get())))),
    wq.set(f.addr(wt, f.add(f.mul(g.get(), f.i32(MG * CG * T)), f.i32(first * CG * T)))),
    f.for(ic, f.i32(0), () => f.i32(CG), [
      xp.set(xq.get()),
      f.for(kh, f.i32(0), () => f.i32(KH), [
        ...blockTapRow(xp, wq),
        xp.set(f.add(xp.get(), rs.get())),
        wq.set(f.add(wq.get(), f.i32(4 * KW))),
      ]),
      xq.set(f.add(xq.get(), cs.get())),
    ]),
  ];
  const block = (ow: Local): Ex[] => [
    ...acc.flatMap((vs, r) => vs.map((a) => a.set(v.splat(biases[r].get())))),
    f.if(whole.get(), windowTaps(ow), [
      tapRows([
        xp.set(f.addr(x, f.add(xr.get(), m.i32.sub(ow.get(), axes.pw.get())))),
        wp.set(f.addr(wt, f.add(wc.get(), f.mul(kh.get(), f.i32(KW))))),
        ...blockTapRow(xp, wp),
      ]),
    ]),
    ...acc.flatMap((vs, r) =>
      vs.map((a, j) => m.v128.store(0, 4, f.addr(y, outAt(r, f.add(ow.get(), f.i32(4 * j)))), a.get())),
    ),
  ];

  return [
    rs.set(f.mul(axes.W(), f.i32(4 * DH))),
    cs.set(f.mul(o.HW(), f.i32(4))),
    f.for(n, f.i32(0), () => f.i32(o.N), [
      f.for(g, f.i32(0), () => f.i32(o.G), [
        xg.set(m.i32.mul(f.add(f.mul(n.get(), f.i32(o.C)), f.mul(g.get(), f.i32(CG))), o.HW())),
        // oc0 counts planes of y from image n's first.
        oc0.set(f.add(f.mul(n.get(), f.i32(o.M)), f.mul(g.get(), f.i32(MG)), f.i32(first))),
        ...biases.map((b, r) =>
          b.set(o.bias ? f.load(o.bias, f.add(f.mul(g.get(), f.i32(MG)), f.i32(first + r))) : m.f32.const(0)),
        ),
        ...eachOutputRow(f, axes, oh, {
          row: [
            ihBase.set(m.i32.sub(f.mul(oh.get(), f.i32(SH)), axes.ph.get())),
            ...tapRange(f, [khLo, khHi], ihBase, DH, KH, axes.H, t),
            whole.set(m.i32.and(m.i32.eqz(khLo.get()), m.i32.eq(khHi.get(), f.i32(KH)))),
          ],
          single,
          block,
          width: 4 * V,
        }),
      ]),
    ]),
  ];
}
