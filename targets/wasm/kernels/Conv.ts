import { convGeometry } from "../../shared/conv-geometry.js";
import type { Ex } from "../binaryen.js";
import type { Local, Val } from "../dsl.js";
import { convPlanes } from "./support/conv-planes.js";
import { channelLaneConv } from "./support/float-conv-channel-lanes.js";
import { pixelLaneConv } from "./support/float-conv-pixel-lanes.js";
import { type ConvAxes, floorDiv } from "./support/float-conv-rows.js";
import type { WasmKernelEnv, WasmKernelGenerator } from "./types.js";

/** Top-left padding of one axis: a literal, or computed when SAME padding depends on the input size. */
function padBegin(env: WasmKernelEnv, axis: 0 | 1, autoPad: string, ext: number, stride: number, io: [Val, Val]): Val {
  const f = env.fn;
  const m = f.m;
  if (autoPad === "VALID") return () => f.i32(0);
  if (autoPad === "NOTSET") {
    const p = env.ints("pads", [0, 0, 0, 0])[axis];
    return () => f.i32(p);
  }
  if (autoPad !== "SAME_UPPER" && autoPad !== "SAME_LOWER") {
    throw env.error(`attribute 'auto_pad' is '${autoPad}', expected NOTSET, SAME_UPPER, SAME_LOWER or VALID`);
  }
  const [inSize, outSize] = io;
  const total = () => {
    const t = f.add(f.mul(m.i32.sub(outSize(), f.i32(1)), f.i32(stride)), f.i32(ext), m.i32.sub(f.i32(0), inSize()));
    return m.select(
      m.i32.gt_s(t, f.i32(0)),
      f.add(f.mul(m.i32.sub(outSize(), f.i32(1)), f.i32(stride)), f.i32(ext), m.i32.sub(f.i32(0), inSize())),
      f.i32(0),
    );
  };
  // SAME_UPPER puts the odd pixel of padding at the end, SAME_LOWER at the beginning.
  return autoPad === "SAME_UPPER"
    ? () => m.i32.shr_s(total(), f.i32(1))
    : () => m.i32.sub(total(), m.i32.shr_s(total(), f.i32(1)));
}

/**
 * 2-D grouped convolution (ONNX Conv) in float32 arithmetic, bit-exact with the js target and the
 * reference: per output, the bias (or +0), then input channel, kernel row and column, each product
 * and each sum an f32 operation, taps in the padding skipped. Without SIMD, the js target's loops:
 * each output plane accumulates in y, tap by tap over the tap's valid output range. With SIMD,
 * register blocks of f32x4 accumulators over independent outputs: four output channels per vector
 * (support/float-conv-channel-lanes.ts), and where the stride along the width is 1, four columns
 * of a row per vector for a group's channels short of a multiple of four
 * (support/float-conv-pixel-lanes.ts), so that no lanes idle.
 */
const conv: WasmKernelGenerator = (env) => {
  const { xs, ys, N, C, M, CG, MG, G, KH, KW, strides, dilations } = convGeometry(env);
  const [SH, SW] = strides;
  const [DH, DW] = dilations;
  const autoPad = env.string("auto_pad", "NOTSET");
  const x = env.input(0);
  const wt = env.input(1);
  const bias = env.has(2) ? env.input(2) : undefined;
  const y = env.output(0);
  const { H, W, OH, OW, HW, OHW } = convPlanes(env, xs, ys);
  const PH = padBegin(env, 0, autoPad, (KH - 1) * DH + 1, SH, [H, OH]);
  const PW = padBegin(env, 1, autoPad, (KW - 1) * DW + 1, SW, [W, OW]);
  const pads = autoPad === "NOTSET" ? env.ints("pads", [0, 0, 0, 0]) : [];
  const zeroPad = autoPad === "VALID" || (autoPad === "NOTSET" && pads[0] === 0 && pads[1] === 0);
  const pointwise = KH === 1 && KW === 1 && SH === 1 && SW === 1 && zeroPad;
  const depthwise = CG === 1 && MG === 1;
  // With SIMD and stride 1 along the width, a group's last MG mod 4 channels (all of them below
  // four) take four columns a vector; the others four channels a vector.
  const pixelChannels = SW === 1 ? (MG <= 3 ? MG : MG % 4) : 0;
  const lanes =
    env.isa === "mvp" ? undefined : pixelChannels === MG ? "px4" : pixelChannels ? `oc4_px${pixelChannels}` : "oc4";
  const padSpec =
    autoPad === "NOTSET" ? (new Set(pads).size === 1 ? `p${pads[0]}` : `p${pads.join("_")}`) : autoPad.toLowerCase();
  const extra = `${SH !== 1 || SW !== 1 ? `_s${SH}x${SW}` : ""}${DH !== 1 || DW !== 1 ? `_d${DH}x${DW}` : ""}`;
  const spec = `conv_c${C}_o${M}_k${KH}x${KW}_${padSpec}${extra}_g${G}${bias ? "" : "_nobias"}${lanes ? `_${lanes}` : ""}`;

  const f = env.fn;
  const m = f.m;
  const [ph, pw] = [f.i32Local(), f.i32Local()];
  const padding = [ph.set(PH()), pw.set(PW())];
  if (lanes) {
    const axes: ConvAxes = {
      kernel: [KH, KW],
      strides: [SH, SW],
      dilations: [DH, DW],
      H,
      W,
      OH,
      OW,
      ph,
      pw,
    };
    const o = { x, wt, bias, y, axes, N, C, M, G, HW, OHW };
    const main = MG - pixelChannels;
    return {
      spec,
      body: [
        ...padding,
        ...(main ? channelLaneConv(env, { ...o, channels: { first: 0, count: main } }) : []),
        ...(pixelChannels ? pixelLaneConv(env, { ...o, channels: { first: main, count: pixelChannels } }) : []),
      ],
    };
  }
  const [n, oc, ic, kh, kw, oh, ow, p, xb, yb, row, off, ohLo, ohHi, owLo, owHi] = Array.from({ length: 16 }, () =>
    f.i32Local(),
  );
  const wv = f.local(f.b.f32);
  const min = (a: Ex, b: Ex, a2: Ex, b2: Ex) => m.select(m.i32.lt_s(a, b), a2, b2);
  /** y[yb + at + k] += wv * x[src + k * step] for k in [lo, hi), each step in f32. */
  const axpy = (k: Local, lo: Ex, hi: Val, at: () => Ex, xAt: () => Ex): Ex =>
    f.for(k, lo, hi, [
      f.store(
        y,
        f.add(yb.get(), at()),
        m.f32.add(f.load(y, f.add(yb.get(), at())), m.f32.mul(wv.get(), f.load(x, xAt()))),
      ),
    ]);
  const wIndex = (tail: Ex | null) => {
    const oic = depthwise ? f.mul(oc.get(), f.i32(CG)) : f.add(f.mul(oc.get(), f.i32(CG)), ic.get());
    return tail === null ? oic : f.add(f.mul(f.add(f.mul(oic, f.i32(KH)), kh.get()), f.i32(KW)), tail);
  };
  const channel = (): Ex =>
    depthwise
      ? oc.get()
      : G === 1
        ? ic.get()
        : f.add(f.mul(MG === 1 ? oc.get() : m.i32.div_s(oc.get(), f.i32(MG)), f.i32(CG)), ic.get());
  // [lo, hi): the outputs along one axis whose input, o * stride + tap * dilation - pad (in `off`),
  // lies inside the input's `size`; `row` is scratch.
  const validOutputs = (
    [lo, hi]: [Local, Local],
    tap: Local,
    dilation: number,
    pad: Local,
    [size, outSize]: [Val, Val],
    stride: number,
  ): Ex[] => [
    off.set(m.i32.sub(f.mul(tap.get(), f.i32(dilation)), pad.get())),
    lo.set(
      m.select(
        m.i32.ge_s(off.get(), f.i32(0)),
        f.i32(0),
        m.i32.div_s(f.add(m.i32.sub(f.i32(0), off.get()), f.i32(stride - 1)), f.i32(stride)),
      ),
    ),
    row.set(m.i32.sub(m.i32.sub(size(), f.i32(1)), off.get())),
    row.set(f.add(floorDiv(f, row, stride), f.i32(1))),
    hi.set(min(outSize(), row.get(), outSize(), row.get())),
  ];
  const taps = (): Ex[] => {
    const head = [xb.set(f.mul(f.add(f.mul(n.get(), f.i32(C)), channel()), HW()))];
    if (pointwise) {
      return [...head, wv.set(f.load(wt, wIndex(null))), axpy(p, f.i32(0), HW, p.get, () => f.add(xb.get(), p.get()))];
    }
    return [
      ...head,
      f.for(kh, f.i32(0), () => f.i32(KH), [
        ...validOutputs([ohLo, ohHi], kh, DH, ph, [H, OH], SH),
        f.for(kw, f.i32(0), () => f.i32(KW), [
          wv.set(f.load(wt, wIndex(kw.get()))),
          ...validOutputs([owLo, owHi], kw, DW, pw, [W, OW], SW),
          f.for(oh, ohLo.get(), ohHi.get, [
            row.set(
              f.add(
                xb.get(),
                f.mul(
                  f.add(f.mul(oh.get(), f.i32(SH)), f.mul(kh.get(), f.i32(DH)), m.i32.sub(f.i32(0), ph.get())),
                  W(),
                ),
                off.get(),
              ),
            ),
            p.set(f.mul(oh.get(), OW())),
            axpy(
              ow,
              owLo.get(),
              owHi.get,
              () => f.add(p.get(), ow.get()),
              () => f.add(row.get(), f.mul(ow.get(), f.i32(SW))),
            ),
          ]),
        ]),
      ]),
    ];
  };
  return {
    spec,
    body: [
      ...padding,
      f.for(n, f.i32(0), () => f.i32(N), [
        f.for(oc, f.i32(0), () => f.i32(M), [
          yb.set(f.mul(f.add(f.mul(n.get(), f.i32(M)), oc.get()), OHW())),
          f.for(p, f.i32(0), OHW, [
            f.store(y, f.add(yb.get(), p.get()), bias ? f.load(bias, oc.get()) : m.f32.const(0)),
          ]),
          ...(depthwise ? taps() : [f.for(ic, f.i32(0), () => f.i32(CG), taps())]),
        ]),
      ]),
    ],
  };
};

export default conv;
