import { convGeometry } from "../../shared/conv-geometry.js";
import { productDim, shapeText } from "../../shared/sym.js";
import type { Ex } from "../binaryen.js";
import type { Fn, Local, Val } from "../dsl.js";
import { convPlanes } from "./support/conv-planes.js";
import { floatConvRows } from "./support/float-conv-rows.js";
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

/** floor(a / s) for s > 0. */
function floorDiv(f: Fn, a: Local, s: number): Ex {
  const m = f.m;
  return m.select(
    m.i32.ge_s(a.get(), f.i32(0)),
    m.i32.div_s(a.get(), f.i32(s)),
    m.i32.sub(f.i32(0), m.i32.div_s(f.add(m.i32.sub(f.i32(0), a.get()), f.i32(s - 1)), f.i32(s))),
  );
}

/**
 * 2-D grouped convolution (ONNX Conv), the js target's algorithm: each output plane accumulates in
 * f64 scratch in the reference's order (bias, input channel, kernel row, column), border handled by
 * each tap's valid output range. f64 sums make the result bit-identical to the js artifacts. With
 * SIMD, convolutions of stride 1 along the width keep blocks of eight outputs in registers instead
 * (support/float-conv-rows.ts), and 1x1 ones run the row loop two f64 lanes at a time (the same
 * operations per output either way, so still bit-identical).
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
  const plane = productDim([ys[2], ys[3]]);
  if (!plane) throw env.error(`output plane ${shapeText(ys.slice(2))} is not linear in h, w and h*w`);
  const PH = padBegin(env, 0, autoPad, (KH - 1) * DH + 1, SH, [H, OH]);
  const PW = padBegin(env, 1, autoPad, (KW - 1) * DW + 1, SW, [W, OW]);
  const pads = autoPad === "NOTSET" ? env.ints("pads", [0, 0, 0, 0]) : [];
  const zeroPad = autoPad === "VALID" || (autoPad === "NOTSET" && pads[0] === 0 && pads[1] === 0);
  const pointwise = KH === 1 && KW === 1 && SH === 1 && SW === 1 && zeroPad;
  const depthwise = CG === 1 && MG === 1;
  const simd = env.isa !== "mvp";
  const rows = simd && SW === 1 && !pointwise;
  const padSpec =
    autoPad === "NOTSET" ? (new Set(pads).size === 1 ? `p${pads[0]}` : `p${pads.join("_")}`) : autoPad.toLowerCase();
  const extra = `${SH !== 1 || SW !== 1 ? `_s${SH}x${SW}` : ""}${DH !== 1 || DW !== 1 ? `_d${DH}x${DW}` : ""}`;
  const spec = `conv_c${C}_o${M}_k${KH}x${KW}_${padSpec}${extra}_g${G}${bias ? "" : "_nobias"}${rows ? "_rows" : simd ? "_simd" : ""}`;

  const f = env.fn;
  const m = f.m;
  const [n, oc, ic, kh, kw, oh, ow, p, xb, yb, row, off, ohLo, ohHi, owLo, owHi, ph, pw, lim] = Array.from(
    { length: 19 },
    () => f.i32Local(),
  );
  // For every image and output channel: `body`, after the padding is known.
  const eachChannel = (body: Ex[]): Ex[] => [
    ph.set(PH()),
    pw.set(PW()),
    f.for(n, f.i32(0), () => f.i32(N), [f.for(oc, f.i32(0), () => f.i32(M), body)]),
  ];
  if (rows) {
    const group = () =>
      depthwise ? oc.get() : G === 1 ? f.i32(0) : f.mul(m.i32.div_s(oc.get(), f.i32(MG)), f.i32(CG));
    return {
      spec,
      body: eachChannel(
        floatConvRows(env, {
          x,
          wt,
          bias,
          y,
          channels: CG,
          kernel: [KH, KW],
          strideH: SH,
          dilations: [DH, DW],
          H,
          W,
          OH,
          OW,
          HW,
          ph,
          pw,
          oc,
          inputBase: () => f.mul(f.add(f.mul(n.get(), f.i32(C)), group()), HW()),
          weightBase: () => f.mul(oc.get(), f.i32(CG * KH * KW)),
          outputBase: () => f.mul(f.add(f.mul(n.get(), f.i32(M)), oc.get()), OHW()),
        }),
      ),
    };
  }
  const acc = env.scratch(plane);
  const wv = f.f64Local();
  const wv2 = simd ? f.local(f.b.v128) : undefined;
  const min = (a: Ex, b: Ex, a2: Ex, b2: Ex) => m.select(m.i32.lt_s(a, b), a2, b2);
  /** acc[base + k] += wv * x[src + k * step] for k in [lo, hi): two f64 lanes at a time when step is 1. */
  const axpy = (k: Local, lo: Ex, hi: Val, accAt: () => Ex, xAt: () => Ex, step: number): Ex[] => {
    const scalar = () => [
      f.store(acc, accAt(), m.f64.add(f.load(acc, accAt()), m.f64.mul(wv.get(), f.loadF(x, xAt())))),
      k.set(m.i32.add(k.get(), f.i32(1))),
    ];
    if (!simd || step !== 1 || !wv2) return [f.for(k, lo, hi, scalar().slice(0, 1))];
    const vec = f.label("pair");
    const tail = f.label("rest");
    const accAddr = () => f.addr(acc, accAt());
    return [
      k.set(lo),
      lim.set(m.i32.sub(hi(), f.i32(1))),
      wv2.set(m.f64x2.splat(wv.get())),
      m.loop(
        vec,
        f.if(m.i32.lt_s(k.get(), lim.get()), [
          m.v128.store(
            0,
            8,
            accAddr(),
            m.f64x2.add(
              m.v128.load(0, 8, accAddr()),
              m.f64x2.mul(wv2.get(), m.f64x2.promote_low_f32x4(m.v128.load64_zero(0, 4, f.addr(x, xAt())))),
            ),
          ),
          k.set(m.i32.add(k.get(), f.i32(2))),
          m.br(vec),
        ]),
      ),
      m.loop(tail, f.if(m.i32.lt_s(k.get(), hi()), [...scalar(), m.br(tail)])),
    ];
  };
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
      return [
        ...head,
        wv.set(f.loadF(wt, wIndex(null))),
        ...axpy(p, f.i32(0), HW, p.get, () => f.add(xb.get(), p.get()), 1),
      ];
    }
    return [
      ...head,
      f.for(kh, f.i32(0), () => f.i32(KH), [
        ...validOutputs([ohLo, ohHi], kh, DH, ph, [H, OH], SH),
        f.for(kw, f.i32(0), () => f.i32(KW), [
          wv.set(f.loadF(wt, wIndex(kw.get()))),
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
            ...axpy(
              ow,
              owLo.get(),
              owHi.get,
              () => f.add(p.get(), ow.get()),
              () => f.add(row.get(), f.mul(ow.get(), f.i32(SW))),
              SW,
            ),
          ]),
        ]),
      ]),
    ];
  };
  return {
    spec,
    body: eachChannel([
      f.for(p, f.i32(0), OHW, [f.store(acc, p.get(), bias ? f.loadF(bias, oc.get()) : f.f64(0))]),
      ...(depthwise ? taps() : [f.for(ic, f.i32(0), () => f.i32(CG), taps())]),
      yb.set(f.mul(f.add(f.mul(n.get(), f.i32(M)), oc.get()), OHW())),
      f.for(p, f.i32(0), OHW, [f.storeF(y, f.add(yb.get(), p.get()), f.load(acc, p.get()))]),
    ]),
  };
};

export default conv;
