import { productDim } from "../../shared/sym.js";
import type { Ex } from "../binaryen.js";
import type { Val } from "../dsl.js";
import { activationQuant } from "./support/activation-quant.js";
import { quantizeAll } from "./support/codes.js";
import { Accumulators, FloatEpilogue, weightParams } from "./support/integer-epilogue.js";
import { LaneSums } from "./support/lane-sums.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * Integer 2-D convolution (qmc.QConv): the input quantized to codes in scratch, each output element
 * an exact i32 sum over the taps inside the image (padding taps take no part: a zero-padded
 * dequantized input is 0.0, not any code's value), then the js target's float epilogue and the bias.
 * With SIMD (stride 1 along the width), four neighbouring outputs of a row whose taps all lie inside
 * the row are summed at once, one per lane; the border columns and the remainder go one by one.
 */
const qconv: WasmKernelGenerator = (env) => {
  const xs = env.inputShape(0);
  const ws = env.inputShape(1);
  const ys = env.outputShape(0);
  if (xs.length !== 4) throw env.error(`input has rank ${xs.length}; only 2-D convolution is supported`);
  const N = env.staticDim(xs[0], "the batch");
  const C = env.staticDim(xs[1], "the input channel count");
  const M = env.staticDim(ws[0], "the output channel count");
  const CG = env.staticDim(ws[1], "the weight's channels per group");
  const KH = env.staticDim(ws[2], "the kernel height");
  const KW = env.staticDim(ws[3], "the kernel width");
  const G = env.int("group", 1);
  if (CG * G !== C || M % G !== 0) throw env.error(`group ${G} does not fit ${C} input and ${M} output channels`);
  const MG = M / G;
  const [SH, SW] = env.ints("strides", [1, 1]);
  const [DH, DW] = env.ints("dilations", [1, 1]);
  if (env.string("auto_pad", "NOTSET") !== "NOTSET")
    throw env.error("auto_pad is not supported by integer convolutions; export explicit pads");
  const [PT, PL] = env.ints("pads", [0, 0, 0, 0]);
  const x = env.input(0);
  const wt = env.input(1, "i8");
  const bias = env.has(2) ? env.input(2) : undefined;
  const y = env.output(0);
  const epilogue = new FloatEpilogue(env, 1, 3);
  const H = env.dim(xs[2]);
  const W = env.dim(xs[3]);
  const OH = env.dim(ys[2]);
  const OW = env.dim(ys[3]);
  const HW = env.count([xs[2], xs[3]]);
  const OHW = env.count([ys[2], ys[3]]);
  const inputSize = productDim(xs);
  if (!inputSize) throw env.error("the input's size is not a polynomial in h and w");
  const codes = env.scratch(inputSize, "i16");
  const bits = `a${env.int("x_bits")}w${env.int("w_bits")}`;
  const spec = `qconv_c${C}_o${M}_k${KH}x${KW}_p${PT}${SH !== 1 ? `_s${SH}` : ""}${DH !== 1 ? `_d${DH}` : ""}_g${G}_${bits}`;
  const f = env.fn;
  const m = f.m;
  const quant = activationQuant(env, x, () => f.mul(HW(), f.i32(N * C)));
  const { aw, bw } = weightParams(env, M);
  const [n, oc, ic, kh, kw, oh, ow, ih, iw, xb, wb, q, qw] = Array.from({ length: 13 }, () => f.i32Local());
  const v = f.f64Local();
  const sums = new Accumulators(f, quant);
  const inside = (i: typeof ih, size: () => number) =>
    m.i32.and(m.i32.ge_s(i.get(), f.i32(0)), m.i32.lt_s(i.get(), size()));
  const channel = () =>
    MG === 1 && CG === 1 ? oc.get() : f.add(f.mul(m.i32.div_s(oc.get(), f.i32(MG)), f.i32(CG)), ic.get());
  const lanes = env.isa !== "mvp" && SW === 1 ? new LaneSums(f, quant, sums) : undefined;
  const [first, last] = [f.i32Local(), f.i32Local()];
  const min = (a: Val, b: Val) => m.select(m.i32.lt_s(a(), b()), a(), b());
  const outAt = (i: number) =>
    f.add(f.mul(f.add(f.mul(n.get(), f.i32(M)), oc.get()), OHW()), m.i32.mul(oh.get(), OW()), ow.get(), f.i32(i));
  const finish = (i: number): Ex[] => [
    ...sums.epilogue(
      v,
      () => aw(oc.get()),
      () => bw(oc.get()),
    ),
    v.set(f.f32(v.get())),
    epilogue.store(y, outAt(i), oc.get, bias ? m.f64.add(v.get(), f.loadF(bias, oc.get())) : v.get()),
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
  // Blocks of four start at `first` (the first column whose leftmost tap is inside) and end before
  // `last` (past it, a block's rightmost tap would fall outside the row or the block past the output).
  const row = lanes
    ? [
        first.set(min(() => f.i32(PL), OW)),
        last.set(
          min(
            () => m.i32.sub(OW(), f.i32(3)),
            () => m.i32.sub(W(), f.i32(3 - PL + (KW - 1) * DW)),
          ),
        ),
        scalar(f.i32(0), first.get),
        f.for(
          ow,
          first.get(),
          last.get,
          [
            ...lanes.reset(),
            ...taps([
              ...lanes.add(
                m.v128.load16x4_s(
                  0,
                  2,
                  f.addr(
                    codes,
                    f.add(xb.get(), m.i32.mul(ih.get(), W()), ow.get(), f.i32(-PL), f.mul(kw.get(), f.i32(DW))),
                  ),
                ),
                m.i32x4.splat(weight()),
              ),
            ]),
            ...[0, 1, 2, 3].flatMap((i) => [...lanes.lane(i), ...finish(i)]),
          ],
          4,
        ),
        scalar(ow.get(), OW),
      ]
    : [scalar(f.i32(0), OW)];
  return {
    spec: `${spec}${lanes ? "_simd" : ""}`,
    body: [
      ...quant.setup,
      ...(lanes?.setup ?? []),
      ...quantizeAll(env, quant, x, codes, () => f.mul(HW(), f.i32(N * C))),
      f.for(n, f.i32(0), () => f.i32(N), [f.for(oc, f.i32(0), () => f.i32(M), [f.for(oh, f.i32(0), OH, row)])]),
    ],
  };
};

export default qconv;
