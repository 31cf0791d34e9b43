import { qconvGeometry } from "../../shared/conv-geometry.js";
import { addDim, productDim } from "../../shared/sym.js";
import type { Ex } from "../binaryen.js";
import type { Val } from "../dsl.js";
import { activationQuant } from "./support/activation-quant.js";
import { quantizeAll } from "./support/codes.js";
import { BLOCK, convBlocks } from "./support/conv-blocks.js";
import { convPlanes } from "./support/conv-planes.js";
import { convRow } from "./support/conv-rows.js";
import type { ConvWindow } from "./support/conv-window.js";
import { Accumulators, FloatEpilogue, weightParams } from "./support/integer-epilogue.js";
import { codeBound, i16Steps, weightBound } from "./support/wide-sums.js";
import { wxColumns, wxScratch } from "./support/wx-columns.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * Integer 2-D convolution (qmc.QConv): the input quantized to codes in scratch, each output element
 * an exact i32 sum over the taps inside the image (padding taps take no part: a zero-padded
 * dequantized input is 0.0, not any code's value), then the js target's float epilogue and the bias.
 * With SIMD, a 1x1 convolution without padding runs as W @ X per image (support/wx-columns.ts); one
 * of stride 1 along the width with at least four output channels per group (or three, with codes too
 * wide for i16 sums of several taps) runs blocks of four channels by eight columns
 * (support/conv-blocks.ts), and any other one of stride 1 along the width
 * sums eight outputs of a row of one channel at once (support/conv-rows.ts); both mask the codes
 * outside the image in the border blocks, and take rows narrower than a block one output at a time.
 */
const qconv: WasmKernelGenerator = (env) => {
  const { xs, ys, N, C, M, CG, MG, G, KH, KW, strides, dilations, pads } = qconvGeometry(env);
  const [SH, SW] = strides;
  const [DH, DW] = dilations;
  const [PT, PL, PB, PR] = pads;
  const x = env.input(0);
  const wt = env.input(1, "i8");
  const bias = env.has(2) ? env.input(2) : undefined;
  const y = env.output(0);
  const epilogue = new FloatEpilogue(env, 1, 3);
  const { H, W, OH, OW, HW, OHW } = convPlanes(env, xs, ys);
  const inputSize = productDim(xs);
  const plane = productDim([ys[2], ys[3]]);
  if (!inputSize || !plane) throw env.error("the input or output size is not a polynomial in h and w");
  const affine = env.isa !== "mvp" && env.string("x_mode", "act") !== "dls";
  // A 1x1 convolution of stride 1 without padding is W @ X per image: [M, C] x [C, H*W].
  const pointwise = affine && KH * KW * SH * SW * DH * DW === 1 && PT + PL + PB + PR === 0 && G === 1;
  const windowed = affine && !pointwise && SW === 1;
  const f = env.fn;
  const m = f.m;
  const quant = activationQuant(env, x, () => f.mul(HW(), f.i32(N * C)));
  // convRow sums one channel's products in i16 and widens them after as many taps as the code bounds
  // allow; where that is every tap or two (8-bit codes), the blocks' dot products are cheaper even
  // for three channels per group (a block of three, blockRows).
  const blocked = windowed && (MG >= BLOCK || (2 * MG > BLOCK && i16Steps(codeBound(quant) * weightBound(env)) <= 2));
  // Behind the codes (2 bytes of each 8): wxColumns' sums and terms, convBlocks' i32 code sums of one
  // output plane, or room for convRow's border blocks, which read up to PR codes past the last.
  const codes = env.scratch(
    pointwise
      ? wxScratch(inputSize, M, C)
      : blocked
        ? addDim(inputSize, plane)
        : { ...inputSize, c: inputSize.c + Math.ceil(PR / 4) },
    "i16",
  );
  const bits = `a${env.int("x_bits")}w${env.int("w_bits")}`;
  const spec = `qconv_c${C}_o${M}_k${KH}x${KW}_p${PT}${SH !== 1 ? `_s${SH}` : ""}${DH !== 1 ? `_d${DH}` : ""}_g${G}_${bits}`;
  const { aw, bw } = weightParams(env, M);
  const [n, oc, ic, kh, kw, oh, ow, ih, iw, xb, wb, q, qw] = Array.from({ length: 13 }, () => f.i32Local());
  const v = f.f64Local();
  const sums = new Accumulators(f, quant);
  const inside = (i: typeof ih, size: () => number) =>
    m.i32.and(m.i32.ge_s(i.get(), f.i32(0)), m.i32.lt_s(i.get(), size()));
  const channel = () =>
    MG === 1 && CG === 1 ? oc.get() : f.add(f.mul(m.i32.div_s(oc.get(), f.i32(MG)), f.i32(CG)), ic.get());

  const outAt = (i: number) =>
    f.add(f.mul(f.add(f.mul(n.get(), f.i32(M)), oc.get()), OHW()), m.i32.mul(oh.get(), OW()), ow.get(), f.i32(i));
  const store = (value: typeof v, index: Ex, channel: Val): Ex[] => [
    value.set(f.f32(value.get())),
    epilogue.store(y, index, channel, bias ? m.f64.add(value.get(), f.loadF(bias, channel())) : value.get()),
  ];
  // The same for neighbouring outputs of one channel, two at a time (f64x2): the bias is added to
  // the values rounded to float32 in float32, which is the double sum rounded.
  // Without `steps`, the values y only, for FloatEpilogue.applyRow to finish.
  // The bias splat once per call, in a local made on first use (an MVP module has no v128 locals).
  let bias4: typeof v | undefined;
  const storePairs = (values: readonly (typeof v)[], index: Val, channel: Val, steps = true): Ex[] => {
    if (bias) bias4 ??= f.local(f.b.v128);
    const ys = values.map((value) => value.get());
    return [
      ...(bias && bias4 ? [bias4.set(m.v128.load32_splat(0, 4, f.addr(bias, channel())))] : []),
      ...(steps
        ? epilogue.storePairs(y, index, channel, true, ys, bias4?.get)
        : epilogue.storeBare(y, index, ys, bias4?.get)),
    ];
  };
  const finish = (i: number): Ex[] => [
    ...sums.epilogue(v, () => aw(oc.get()), bw && (() => bw(oc.get()))),
    ...store(v, outAt(i), oc.get),
  ];
  const taps = (row: Ex[]): Ex[] => [
    f.for(ic, f.i32(0), () => f.i32(CG), [
      xb.set(f.mul(f.add(f.mul(n.get(), f.i32(C)), channel()), HW())),
      wb.set(f.mul(f.add(f.mul(oc.get(), f.i32(CG)), ic.get()), f.i32(KH * KW))),
      f.for(kh, f.i32(0), () => f.i32(KH), [
        ih.set(f.add(f.mul(oh.get(), f.i32(SH)), f.i32(-PT), f.mul(kh.get(), f.i32(DH)))),
        f.if(inside(ih, H), [f.for(kw, f.i32(0), () => f.i32(KW), row)]),
      ]),
    ]),
  ];
  const weight = () => f.load(wt, f.add(wb.get(), f.mul(kh.get(), f.i32(KW)), kw.get()));
  const scalar = (from: Ex, to: Val): Ex =>
    f.for(ow, from, to, [
      ...sums.reset(),
      ...taps([
        iw.set(f.add(f.mul(ow.get(), f.i32(SW)), f.i32(-PL), f.mul(kw.get(), f.i32(DW)))),
        f.if(inside(iw, W), [
          q.set(f.load(codes, f.add(xb.get(), m.i32.mul(ih.get(), W()), iw.get()))),
          qw.set(weight()),
          ...sums.add(q, qw),
        ]),
      ]),
      ...finish(0),
    ]);
  const quantize = [...quant.setup, ...quantizeAll(env, quant, x, codes, () => f.mul(HW(), f.i32(N * C)))];
  if (pointwise) {
    const columns = wxColumns(env, {
      quant,
      M,
      K: C,
      weightCount: M * C,
      L: HW,
      codes,
      wt,
      codeCount: () => f.mul(HW(), f.i32(N * C)),
      aw,
      bw,
      finish: (value, row, index) => store(value, index, row.get),
      finishPairs: (values, row, index) => storePairs(values, index, row.get),
    });
    return {
      spec: `${spec}_simd`,
      body: [
        ...columns.setup,
        ...quantize,
        ...Array.from({ length: N }, (_, img) =>
          columns.batch({
            xBase: () => f.mul(HW(), f.i32(img * C)),
            wBase: 0,
            yRow: (row) => m.i32.mul(f.add(row, f.i32(img * M)), OHW()),
          }),
        ).flat(),
      ],
    };
  }
  const rowStart = () => f.add(f.mul(f.add(f.mul(n.get(), f.i32(M)), oc.get()), OHW()), m.i32.mul(oh.get(), OW()));
  const finishPairs = (values: readonly (typeof v)[], col: Val) =>
    storePairs(values, () => f.add(rowStart(), col()), oc.get);
  const convWindow: ConvWindow = {
    quant,
    channels: CG,
    kernel: [KH, KW],
    dilations: [DH, DW],
    padsBegin: [PT, PL],
    W,
    OW,
    codes,
    channelStride: HW,
    inputRow: (k) => f.add(f.mul(oh.get(), f.i32(SH)), f.i32(-PT), f.mul(k, f.i32(DH))),
    inside: (i) => inside(i, H),
    aw,
    bw,
    scalar,
    finishPairs,
    deferred: epilogue.hasSteps
      ? {
          bare: (values, col) => storePairs(values, () => f.add(rowStart(), col()), oc.get, false),
          finishRow: () => epilogue.applyRow(y, rowStart, OW, oc.get),
        }
      : undefined,
  };
  if (blocked) {
    return {
      spec: `${spec}_blocks`,
      body: [
        ...quantize,
        f.for(n, f.i32(0), () => f.i32(N), [
          ...convBlocks(env, {
            ...convWindow,
            groups: G,
            outputs: MG,
            OH,
            codeCount: () => f.mul(HW(), f.i32(N * C)),
            imageBase: () => f.mul(f.mul(n.get(), f.i32(C)), HW()),
            oc,
            oh,
          }),
        ]),
      ],
    };
  }
  if (!windowed) {
    return {
      spec,
      body: [
        ...quantize,
        f.for(n, f.i32(0), () => f.i32(N), [
          f.for(oc, f.i32(0), () => f.i32(M), [f.for(oh, f.i32(0), OH, [scalar(f.i32(0), OW)])]),
        ]),
      ],
    };
  }
  // The scalar path moves xb and wb per input channel; the rows keep their own bases.
  const [xg, wg] = [f.i32Local(), f.i32Local()];
  const rows = convRow(env, { ...convWindow, wt, oc, xb: xg, wb: wg });
  return {
    spec: `${spec}_simd`,
    body: [
      ...quantize,
      f.for(n, f.i32(0), () => f.i32(N), [
        f.for(oc, f.i32(0), () => f.i32(M), [
          xg.set(f.mul(f.add(f.mul(n.get(), f.i32(C)), f.mul(m.i32.div_s(oc.get(), f.i32(MG)), f.i32(CG))), HW())),
          wg.set(f.mul(oc.get(), f.i32(CG * KH * KW))),
          ...rows.channel,
          f.for(oh, f.i32(0), OH, rows.row),
        ]),
      ]),
    ],
  };
};

export default qconv;
