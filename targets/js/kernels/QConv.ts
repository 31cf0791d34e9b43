import { qconvGeometry } from "../../shared/conv-geometry.js";
import { addDim, productDim } from "../../shared/sym.js";
import { activationQuantHelpers, writeActivationQuant } from "./support/activation-quant.js";
import { FloatEpilogue, weightParams } from "./support/integer-epilogue.js";
import { convPlanes } from "./support/shapes.js";
import type { KernelGenerator } from "./types.js";

/**
 * Integer 2-D convolution (qmc.QConv). The input is quantized to codes in scratch; then, per output
 * channel, every tap adds its exact integer terms to four per-pixel planes (sum of products, of
 * activation codes, of weight codes, and the tap count) over the output rows and columns where it
 * falls inside the image: padding taps take no part, since a zero-padded dequantized input is 0.0,
 * not any code's value. The dequantization, the bias and the float epilogue follow, in the
 * reference's operation order.
 * Activations of a conv come from ActQuant or QuantizeLinear (affine: no per-code corrections).
 */
const qconv: KernelGenerator = (env) => {
  const { xs, ys, N, C, M, CG, MG, G, KH, KW, strides, dilations, pads } = qconvGeometry(env);
  const [SH, SW] = strides;
  const [DH, DW] = dilations;
  if (env.string("x_mode", "act") === "dls") throw env.error("a DlsQuant-ed convolution input is not supported");
  const [PT, PL] = pads;
  const x = env.input(0, "x");
  const wt = env.input(1, "wt", "Int8Array");
  const bias = env.has(2) ? env.input(2, "bias") : undefined;
  const y = env.output(0, "y");
  const epilogue = new FloatEpilogue(env, 1, 3);
  const { H, W, OH, OW, HW, OHW } = convPlanes(env, xs, ys);
  const inputSize = productDim(xs);
  const plane = productDim([ys[2], ys[3]]);
  if (!inputSize || !plane) throw env.error("the input or output size is not a polynomial in h and w");
  const s = env.scratch(addDim(inputSize, plane, 4), "s");
  const bits = `a${env.int("x_bits")}w${env.int("w_bits")}`;
  const spec = `qconv_c${C}_o${M}_k${KH}x${KW}_p${PT}${SH !== 1 ? `_s${SH}` : ""}${DH !== 1 ? `_d${DH}` : ""}_g${G}_${bits}${epilogue.spec}`;
  return {
    spec,
    helpers: ["f32", "roundHalfEven", ...activationQuantHelpers(env), ...epilogue.helpers],
    body: (w) => {
      w.line("var i, n, oc, ic, kh, kw, oh, ow, p, xb, wb, row, off, offw, ohLo, ohHi, owLo, owHi, q, qw, v;");
      const quant = writeActivationQuant(w, env, x, `${N * C} * ${HW}`);
      const { aw, bw } = weightParams(w, env, M);
      epilogue.declare(w);
      w.comment(
        `Scratch: the input's codes, then four planes: sum qx*qw, sum qx, sum qw, tap count${bw ? "." : " (symmetric weights: only the first and third are summed)."}`,
      );
      w.line(`var acc = ${N * C} * ${HW}, sx = acc + ${OHW}, sw = sx + ${OHW}, cnt = sw + ${OHW};`);
      w.line(`for (i = 0; i < ${N * C} * ${HW}; i++) ${s}[i] = ${quant.code(`${x}[i]`)};`);
      w.block(`for (n = 0; n < ${N}; n++)`, () => {
        w.block(`for (oc = 0; oc < ${M}; oc++)`, () => {
          w.line(`for (p = acc; p < cnt + ${OHW}; p++) ${s}[p] = 0;`);
          w.block(`for (ic = 0; ic < ${CG}; ic++)`, () => {
            const channel = MG === 1 && CG === 1 ? "oc" : `((oc / ${MG}) | 0) * ${CG} + ic`;
            w.line(`xb = (n * ${C} + ${channel}) * ${HW};`);
            w.line(`wb = (oc * ${CG} + ic) * ${KH * KW};`);
            w.block(`for (kh = 0; kh < ${KH}; kh++)`, () => {
              w.line(`off = kh * ${DH} - ${PT};`);
              w.line(`ohLo = off >= 0 ? 0 : Math.ceil(-off / ${SH});`);
              w.line(`ohHi = Math.min(${OH}, Math.floor((${H} - 1 - off) / ${SH}) + 1);`);
              w.block(`for (kw = 0; kw < ${KW}; kw++)`, () => {
                w.line(`qw = ${wt}[wb + kh * ${KW} + kw];`);
                w.line(`offw = kw * ${DW} - ${PL};`);
                w.line(`owLo = offw >= 0 ? 0 : Math.ceil(-offw / ${SW});`);
                w.line(`owHi = Math.min(${OW}, Math.floor((${W} - 1 - offw) / ${SW}) + 1);`);
                w.block(`for (oh = ohLo; oh < ohHi; oh++)`, () => {
                  w.line(`row = xb + (oh * ${SH} + off) * ${W} + offw;`);
                  w.line(`p = oh * ${OW};`);
                  w.block(`for (ow = owLo; ow < owHi; ow++)`, () => {
                    w.line(`q = ${s}[row + ow * ${SW}];`);
                    w.line(`${s}[acc + p + ow] += q * qw;`);
                    if (bw) w.line(`${s}[sx + p + ow] += q;`);
                    w.line(`${s}[sw + p + ow] += qw;`);
                    if (bw) w.line(`${s}[cnt + p + ow] += 1;`);
                  });
                });
              });
            });
          });
          w.block(`for (p = 0; p < ${OHW}; p++)`, () => {
            const [a, b] = [aw("oc"), bw?.("oc")];
            w.line(
              b === undefined
                ? `v = f32(qa * ${a} * ${s}[acc + p] - qb * ${a} * ${s}[sw + p]);`
                : `v = f32(qa * ${a} * ${s}[acc + p] - qa * ${b} * ${s}[sx + p] - qb * ${a} * ${s}[sw + p] + ${s}[cnt + p] * qb * ${b});`,
            );
            epilogue.store(w, y, `(n * ${M} + oc) * ${OHW} + p`, "oc", bias ? `f32(v + ${bias}[oc])` : "v");
          });
        });
      });
    },
  };
};

export default qconv;
