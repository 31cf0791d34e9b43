import { productDim } from "../../shared/sym.js";
import { writeActivationQuant } from "./support/activation-quant.js";
import {
  ACCUMULATORS,
  accumulate,
  resetAccumulators,
  weightParams,
  writeEpilogue,
} from "./support/integer-epilogue.js";
import type { KernelGenerator } from "./types.js";

/**
 * Integer 2-D convolution (qmc.QConv): the input is quantized to codes in scratch, each output
 * element accumulates exact integer sums over the taps that fall inside the image (padding taps
 * take no part: a zero-padded dequantized input is 0.0, not any code's value), then the float
 * epilogue and the bias.
 */
const qconv: KernelGenerator = (env) => {
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
  const x = env.input(0, "x");
  const wt = env.input(1, "wt", "Int8Array");
  const bias = env.has(2) ? env.input(2, "bias") : undefined;
  const y = env.output(0, "y");
  const H = env.dim(xs[2], "H");
  const W = env.dim(xs[3], "W");
  const OH = env.dim(ys[2], "OH");
  const OW = env.dim(ys[3], "OW");
  const HW = env.count([xs[2], xs[3]], "HW");
  const OHW = env.count([ys[2], ys[3]], "OHW");
  const inputSize = productDim(xs);
  if (!inputSize) throw env.error("the input's size is not a polynomial in h and w");
  const codes = env.scratch(inputSize, "qx");
  const bits = `a${env.int("x_bits")}w${env.int("w_bits")}`;
  const spec = `qconv_c${C}_o${M}_k${KH}x${KW}_p${PT}${SH !== 1 ? `_s${SH}` : ""}${DH !== 1 ? `_d${DH}` : ""}_g${G}_${bits}`;
  return {
    spec,
    helpers: ["f32", "roundHalfEven"],
    body: (w) => {
      w.line("var i, n, oc, ic, kh, kw, oh, ow, ih, iw, xb, wb, q, qw, v;");
      w.line(ACCUMULATORS);
      const quant = writeActivationQuant(w, env, x, `${N * C} * ${HW}`);
      const { aw, bw } = weightParams(w, env, M);
      w.line(`for (i = 0; i < ${N * C} * ${HW}; i++) ${codes}[i] = ${quant.code(`${x}[i]`)};`);
      w.block(`for (n = 0; n < ${N}; n++)`, () => {
        w.block(`for (oc = 0; oc < ${M}; oc++)`, () => {
          w.block(`for (oh = 0; oh < ${OH}; oh++)`, () => {
            w.block(`for (ow = 0; ow < ${OW}; ow++)`, () => {
              resetAccumulators(w);
              w.block(`for (ic = 0; ic < ${CG}; ic++)`, () => {
                const channel = MG === 1 && CG === 1 ? "oc" : `((oc / ${MG}) | 0) * ${CG} + ic`;
                w.line(`xb = (n * ${C} + ${channel}) * ${HW};`);
                w.line(`wb = (oc * ${CG} + ic) * ${KH * KW};`);
                w.block(`for (kh = 0; kh < ${KH}; kh++)`, () => {
                  w.line(`ih = oh * ${SH} - ${PT} + kh * ${DH};`);
                  w.line(`if (ih < 0 || ih >= ${H}) continue;`);
                  w.block(`for (kw = 0; kw < ${KW}; kw++)`, () => {
                    w.line(`iw = ow * ${SW} - ${PL} + kw * ${DW};`);
                    w.line(`if (iw < 0 || iw >= ${W}) continue;`);
                    w.line(`q = ${codes}[xb + ih * ${W} + iw];`);
                    w.line(`qw = ${wt}[wb + kh * ${KW} + kw];`);
                    accumulate(w, quant, "q", "qw");
                  });
                });
              });
              writeEpilogue(w, quant, aw("oc"), bw("oc"), "v");
              w.line(`v = f32(v);`);
              w.line(`${y}[(n * ${M} + oc) * ${OHW} + oh * ${OW} + ow] = ${bias ? `f32(v + ${bias}[oc])` : "v"};`);
            });
          });
        });
      });
    },
  };
};

export default qconv;
