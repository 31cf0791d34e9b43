import { convTransposeGeometry } from "../../shared/conv-transpose-geometry.js";
import { productDim, shapeText } from "../../shared/sym.js";
import type { Ex } from "../binaryen.js";
import type { Local } from "../dsl.js";
import { convPlanes } from "./support/conv-planes.js";
import { type Lanes, lanesOf } from "./support/matmul-blocks.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * 2-D grouped transposed convolution in float32, bit-identical to the js target: every output starts
 * at +0, adds f32(x * w) for input channel, then input row, then input column ascending, and the bias
 * last. The loops run input channel, kernel row and column DEScending, input row, input column: for
 * one output the input row falls as the kernel row rises (oh = ih * SH + kh * DH - PH), and likewise
 * for columns, so that order holds while each tap's weight stays put over a whole input plane. On
 * SIMD ISAs four output channels of a group run as f32x4 lanes in a channel-interleaved scratch plane
 * (any stride, dilation and padding); the group's remaining channels, and every channel on MVP,
 * accumulate in the output plane one at a time.
 */
const convTranspose: WasmKernelGenerator = (env) => {
  const { xs, ys, N, C, M, CG, MG, KH, KW, strides, dilations, pads, spec } = convTransposeGeometry(env);
  const [SH, SW] = strides;
  const [DH, DW] = dilations;
  const [PH, PW] = pads;
  const x = env.input(0, "f32");
  const wt = env.input(1, "f32");
  const bias = env.has(2) ? env.input(2, "f32") : undefined;
  const y = env.output(0, "f32");
  const { H, W, OH, OW, HW, OHW } = convPlanes(env, xs, ys);
  const simd = env.isa !== "mvp" && MG >= 4;
  const plane = productDim([ys[2], ys[3]]);
  if (simd && !plane) throw env.error(`output plane ${shapeText(ys.slice(2))} is not linear in h, w and h*w`);
  // Four f32 per output pixel: two 8-byte scratch elements.
  const lanePlane =
    simd && plane ? env.scratch({ c: 2 * plane.c, h: 2 * plane.h, w: 2 * plane.w, hw: 2 * plane.hw }) : undefined;
  const f = env.fn;
  const m = f.m;
  const [n, g, om, ic, icEnd, ih, iw, kh, kw, oh, ow, p, xb, yb, ob] = Array.from({ length: 15 }, () => f.i32Local());
  const bytes = (elements: Ex) => m.i32.shl(elements, f.i32(2));
  /** The output coordinate of input i through the tap KMAX - 1 - k: i * stride + tap * dilation - pad. */
  const reach = (i: Local, k: Local, taps: number, stride: number, dilation: number, pad: number) =>
    f.add(f.mul(i.get(), f.i32(stride)), f.mul(m.i32.sub(f.i32(taps - 1), k.get()), f.i32(dilation)), f.i32(-pad));
  /** The weight of input channel ic, output channel om + lane of the group, at the current tap. */
  const weight = (lane: number) =>
    m.f32.load(
      0,
      4,
      f.addr(
        wt,
        f.add(
          f.mul(f.add(f.mul(ic.get(), f.i32(MG)), om.get(), f.i32(lane)), f.i32(KH * KW)),
          f.mul(m.i32.sub(f.i32(KH - 1), kh.get()), f.i32(KW)),
          m.i32.sub(f.i32(KW - 1), kw.get()),
        ),
      ),
    );
  const outBase = (lane: number) => f.mul(f.add(f.mul(n.get(), f.i32(M)), g.get(), om.get(), f.i32(lane)), OHW());

  /**
   * The sums of `lanes.width` output channels from om: the scatter over the group's input channels
   * into the plane at `planeAt(pixel)` (an address), with weights `wv` for each tap.
   */
  const scatter = (lanes: Lanes, planeAt: (pixel: Ex) => Ex): Ex[] => {
    const wv = f.local(lanes.type);
    const at = () => planeAt(f.add(ob.get(), ow.get()));
    const tapWeights =
      lanes.width === 1
        ? weight(0)
        : [1, 2, 3].reduce((v, l) => m.f32x4.replace_lane(v, l, weight(l)), m.f32x4.splat(weight(0)));
    return [
      // The group's input channels: g is its first output channel.
      icEnd.set(f.mul(f.add(m.i32.div_u(g.get(), f.i32(MG)), f.i32(1)), f.i32(CG))),
      f.for(ic, m.i32.sub(icEnd.get(), f.i32(CG)), icEnd.get, [
        xb.set(f.mul(f.add(f.mul(n.get(), f.i32(C)), ic.get()), HW())),
        f.for(kh, f.i32(0), () => f.i32(KH), [
          f.for(kw, f.i32(0), () => f.i32(KW), [
            wv.set(tapWeights),
            f.for(ih, f.i32(0), H, [
              oh.set(reach(ih, kh, KH, SH, DH, PH)),
              // Unsigned: a negative row is out of range too.
              f.if(m.i32.lt_u(oh.get(), OH()), [
                ob.set(f.mul(oh.get(), OW())),
                f.for(iw, f.i32(0), W, [
                  ow.set(reach(iw, kw, KW, SW, DW, PW)),
                  f.if(m.i32.lt_u(ow.get(), OW()), [
                    lanes.store(
                      at(),
                      lanes.add(
                        lanes.load(at()),
                        lanes.mul(
                          lanes.splat(m.f32.load(0, 4, f.addr(x, f.add(xb.get(), f.mul(ih.get(), W()), iw.get())))),
                          wv.get(),
                        ),
                      ),
                    ),
                  ]),
                ]),
              ]),
            ]),
          ]),
        ]),
      ]),
    ];
  };

  const biasOf = (lane: number) =>
    bias ? m.f32.load(0, 4, f.addr(bias, f.add(g.get(), om.get(), f.i32(lane)))) : undefined;

  /** One output channel, accumulated in its output plane. */
  const channel = (): Ex[] => {
    const lanes = lanesOf(f, 1);
    const b = biasOf(0);
    return [
      yb.set(outBase(0)),
      f.for(p, f.i32(0), OHW, [m.f32.store(0, 4, f.addr(y, f.add(yb.get(), p.get())), m.f32.const(0))]),
      ...scatter(lanes, (pixel) => f.addr(y, f.add(yb.get(), pixel))),
      ...(b
        ? [
            f.for(p, f.i32(0), OHW, [
              lanes.store(
                f.addr(y, f.add(yb.get(), p.get())),
                m.f32.add(lanes.load(f.addr(y, f.add(yb.get(), p.get()))), b),
              ),
            ]),
          ]
        : []),
    ];
  };

  /** Four output channels as f32x4 lanes in the interleaved scratch plane, then spread to their planes. */
  const fourChannels = (): Ex[] => {
    if (!lanePlane) return [];
    const lanes = lanesOf(f, 4);
    const sum = f.local(f.b.v128);
    const planeAt = (pixel: Ex) => m.i32.add(lanePlane.base(), m.i32.shl(pixel, f.i32(4)));
    const b = bias ? m.v128.load(0, 4, f.addr(bias, f.add(g.get(), om.get()))) : undefined;
    return [
      f.for(p, f.i32(0), OHW, [lanes.store(planeAt(p.get()), lanes.zero())]),
      ...scatter(lanes, planeAt),
      yb.set(outBase(0)),
      f.for(p, f.i32(0), OHW, [
        sum.set(b ? m.f32x4.add(lanes.load(planeAt(p.get())), b) : lanes.load(planeAt(p.get()))),
        ...[0, 1, 2, 3].map((l) =>
          m.f32.store(
            0,
            4,
            m.i32.add(y.base(), bytes(f.add(yb.get(), p.get(), f.mul(f.i32(l), OHW())))),
            m.f32x4.extract_lane(sum.get(), l),
          ),
        ),
      ]),
    ];
  };

  // om runs over the group's output channels: blocks of four first on SIMD, then one at a time.
  const groupChannels: Ex[] = simd
    ? [
        om.set(f.i32(0)),
        f.for(om, om.get(), () => f.i32(MG - 3), fourChannels(), 4),
        f.for(om, om.get(), () => f.i32(MG), channel()),
      ]
    : [f.for(om, f.i32(0), () => f.i32(MG), channel())];
  return {
    spec,
    body: [f.for(n, f.i32(0), () => f.i32(N), [f.for(g, f.i32(0), () => f.i32(M), groupChannels, MG)])],
  };
};

export default convTranspose;
