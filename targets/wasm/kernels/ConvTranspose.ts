import { convTransposeGeometry } from "../../shared/conv-transpose-geometry.js";
import { productDim, shapeText } from "../../shared/sym.js";
import { convPlanes } from "./support/conv-planes.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * 2-D grouped transposed convolution, the js target's scatter into an f64 output plane in the same
 * loop order (input channel, row, kernel row, column, kernel column; bias last), so every output sums
 * its terms in the reference's order and results are bit-identical to the js artifacts.
 */
const convTranspose: WasmKernelGenerator = (env) => {
  const { xs, ys, N, C, M, CG, MG, KH, KW, strides, dilations, pads, spec } = convTransposeGeometry(env);
  const [SH, SW] = strides;
  const [DH, DW] = dilations;
  const [PH, PW] = pads;
  const x = env.input(0);
  const wt = env.input(1);
  const bias = env.has(2) ? env.input(2) : undefined;
  const y = env.output(0);
  const { H, W, OH, OW, HW, OHW } = convPlanes(env, xs, ys);
  const plane = productDim([ys[2], ys[3]]);
  if (!plane) throw env.error(`output plane ${shapeText(ys.slice(2))} is not linear in h, w and h*w`);
  const acc = env.scratch(plane);
  const f = env.fn;
  const m = f.m;
  const d = m.f64;
  const [n, oc, ic, icEnd, ih, iw, kh, kw, oh, ow, p, xb, yb, wb, ob] = Array.from({ length: 15 }, () => f.i32Local());
  const v = f.f64Local();
  /** The output coordinate of input i through tap k: i * stride + k * dilation - pad. */
  const reach = (i: typeof ih, k: typeof kh, stride: number, dilation: number, pad: number) =>
    f.add(f.mul(i.get(), f.i32(stride)), f.mul(k.get(), f.i32(dilation)), f.i32(-pad));
  const accumulate = f.store(
    acc,
    f.add(ob.get(), ow.get()),
    d.add(
      f.load(acc, f.add(ob.get(), ow.get())),
      d.mul(v.get(), f.loadF(wt, f.add(wb.get(), f.mul(kh.get(), f.i32(KW)), kw.get()))),
    ),
  );
  const group = () => f.mul(m.i32.div_s(oc.get(), f.i32(MG)), f.i32(CG));
  const result = () => f.load(acc, p.get());
  return {
    spec,
    body: [
      f.for(n, f.i32(0), () => f.i32(N), [
        f.for(oc, f.i32(0), () => f.i32(M), [
          f.for(p, f.i32(0), OHW, [f.store(acc, p.get(), f.f64(0))]),
          // The group's input channels, and this output channel's weights among them.
          icEnd.set(f.add(group(), f.i32(CG))),
          f.for(ic, group(), icEnd.get, [
            xb.set(f.mul(f.add(f.mul(n.get(), f.i32(C)), ic.get()), HW())),
            wb.set(f.mul(f.add(f.mul(ic.get(), f.i32(MG)), m.i32.rem_u(oc.get(), f.i32(MG))), f.i32(KH * KW))),
            f.for(ih, f.i32(0), H, [
              f.for(kh, f.i32(0), () => f.i32(KH), [
                oh.set(reach(ih, kh, SH, DH, PH)),
                // Unsigned: a negative row is out of range too.
                f.if(m.i32.lt_u(oh.get(), OH()), [
                  ob.set(f.mul(oh.get(), OW())),
                  f.for(iw, f.i32(0), W, [
                    v.set(f.loadF(x, f.add(xb.get(), f.mul(ih.get(), W()), iw.get()))),
                    f.for(kw, f.i32(0), () => f.i32(KW), [
                      ow.set(reach(iw, kw, SW, DW, PW)),
                      f.if(m.i32.lt_u(ow.get(), OW()), [accumulate]),
                    ]),
                  ]),
                ]),
              ]),
            ]),
          ]),
          yb.set(f.mul(f.add(f.mul(n.get(), f.i32(M)), oc.get()), OHW())),
          f.for(p, f.i32(0), OHW, [
            f.storeF(y, f.add(yb.get(), p.get()), bias ? d.add(result(), f.loadF(bias, oc.get())) : result()),
          ]),
        ]),
      ]),
    ],
  };
};

export default convTranspose;
