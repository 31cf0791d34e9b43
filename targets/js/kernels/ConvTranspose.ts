import { convTransposeGeometry } from "../../shared/conv-transpose-geometry.js";
import { productDim, shapeText } from "../../shared/sym.js";
import { convPlanes } from "./support/shapes.js";
import type { KernelGenerator } from "./types.js";

/**
 * 2-D grouped transposed convolution, scattering each input pixel into a float64 output plane as
 * compiler/ops/support/convolution.ts does: every output sums its terms in the order of input channel,
 * then input row and column (each input pixel reaches an output through one tap at most), and the
 * bias comes last. Loops run input channel, row, kernel row, column, kernel column, so that order
 * holds; the store rounds to float32.
 */
const convTranspose: KernelGenerator = (env) => {
  const { xs, ys, N, C, M, CG, MG, KH, KW, strides, dilations, pads, spec } = convTransposeGeometry(env);
  const [SH, SW] = strides;
  const [DH, DW] = dilations;
  const [PH, PW] = pads;
  const x = env.input(0, "x");
  const wt = env.input(1, "wt");
  const bias = env.has(2) ? env.input(2, "bias") : undefined;
  const y = env.output(0, "y");
  const { H, W, OH, OW, HW, OHW } = convPlanes(env, xs, ys);
  const plane = productDim([ys[2], ys[3]]);
  if (!plane) throw env.error(`output plane ${shapeText(ys.slice(2))} is not linear in h, w and h*w`);
  const acc = env.scratch(plane, "acc");
  return {
    spec,
    body: (w) => {
      w.line("var n, oc, ic, ih, iw, kh, kw, oh, ow, p, v, xb, yb, wb, ob;");
      w.block(`for (n = 0; n < ${N}; n++)`, () => {
        w.block(`for (oc = 0; oc < ${M}; oc++)`, () => {
          w.line(`for (p = 0; p < ${OHW}; p++) ${acc}[p] = 0;`);
          // The group's input channels, and this output channel's weights among them.
          w.block(
            `for (ic = ${MG === M ? "0" : `((oc / ${MG}) | 0) * ${CG}`}; ic < ${MG === M ? CG : `(((oc / ${MG}) | 0) + 1) * ${CG}`}; ic++)`,
            () => {
              w.line(`xb = (n * ${C} + ic) * ${HW};`);
              w.line(`wb = (ic * ${MG} + ${MG === 1 ? "0" : `oc % ${MG}`}) * ${KH * KW};`);
              w.block(`for (ih = 0; ih < ${H}; ih++)`, () => {
                w.block(`for (kh = 0; kh < ${KH}; kh++)`, () => {
                  w.line(`oh = ih * ${SH} + kh * ${DH} - ${PH};`);
                  w.line(`if (oh < 0 || oh >= ${OH}) continue;`);
                  w.line(`ob = oh * ${OW};`);
                  w.block(`for (iw = 0; iw < ${W}; iw++)`, () => {
                    w.line(`v = ${x}[xb + ih * ${W} + iw];`);
                    w.block(`for (kw = 0; kw < ${KW}; kw++)`, () => {
                      w.line(`ow = iw * ${SW} + kw * ${DW} - ${PW};`);
                      w.line(`if (ow >= 0 && ow < ${OW}) ${acc}[ob + ow] += v * ${wt}[wb + kh * ${KW} + kw];`);
                    });
                  });
                });
              });
            },
          );
          w.line(`yb = (n * ${M} + oc) * ${OHW};`);
          w.line(`for (p = 0; p < ${OHW}; p++) ${y}[yb + p] = ${acc}[p]${bias ? ` + ${bias}[oc]` : ""};`);
        });
      });
    },
  };
};

export default convTranspose;
