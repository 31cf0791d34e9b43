import { convTransposeGeometry } from "../../shared/conv-transpose-geometry.js";
import { convPlanes } from "./support/shapes.js";
import type { KernelGenerator } from "./types.js";

/**
 * 2-D grouped transposed convolution, scattering each input pixel into the float32 output plane as
 * compiler/ops/support/convolution.ts does: every output starts at +0 and adds its float32-rounded
 * products in the order of input channel, then input row and column (each input pixel reaches an
 * output through one tap at most), and the bias comes last. Loops run input channel, row, kernel
 * row, column, kernel column, so that order holds; the Float32Array store rounds each sum, the cell
 * `r` each product.
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
  return {
    spec,
    body: (w) => {
      w.line("var n, oc, ic, ih, iw, kh, kw, oh, ow, p, v, xb, yb, wb, ob;");
      w.line("var r = new Float32Array(1);");
      w.block(`for (n = 0; n < ${N}; n++)`, () => {
        w.block(`for (oc = 0; oc < ${M}; oc++)`, () => {
          w.line(`yb = (n * ${M} + oc) * ${OHW};`);
          w.line(`for (p = 0; p < ${OHW}; p++) ${y}[yb + p] = 0;`);
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
                  w.line(`ob = yb + oh * ${OW};`);
                  w.block(`for (iw = 0; iw < ${W}; iw++)`, () => {
                    w.line(`v = ${x}[xb + ih * ${W} + iw];`);
                    w.block(`for (kw = 0; kw < ${KW}; kw++)`, () => {
                      w.line(`ow = iw * ${SW} + kw * ${DW} - ${PW};`);
                      w.block(`if (ow >= 0 && ow < ${OW})`, () => {
                        w.line(`r[0] = v * ${wt}[wb + kh * ${KW} + kw];`);
                        w.line(`${y}[ob + ow] += r[0];`);
                      });
                    });
                  });
                });
              });
            },
          );
          if (bias) w.line(`for (p = 0; p < ${OHW}; p++) ${y}[yb + p] += ${bias}[oc];`);
        });
      });
    },
  };
};

export default convTranspose;
