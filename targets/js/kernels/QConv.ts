import type { CodeWriter } from "../../shared/code-writer.js";
import { qconvGeometry } from "../../shared/conv-geometry.js";
import { addDim, productDim } from "../../shared/sym.js";
import { fround } from "../runtime/math.js";
import { activationQuantHelpers, writeActivationQuant } from "./support/activation-quant.js";
import { FloatEpilogue, weightParams } from "./support/integer-epilogue.js";
import { convPlanes } from "./support/shapes.js";
import type { KernelGenerator } from "./types.js";

/**
 * Integer 2-D convolution (qmc.QConv). The input is quantized to codes in scratch; then, per output
 * channel, four per-pixel planes collect the exact integer terms of the taps that fall inside the
 * image (sum of products, of activation codes, of weight codes, and the tap count): padding taps
 * take no part, since a zero-padded dequantized input is 0.0, not any code's value. The dequantization,
 * the bias and the float epilogue follow, in the reference's operation order.
 * The sums are exact integers, so any order gives the same values, and the planes are built where
 * each costs least in an interpreter: the products per tap, the weight codes
 * per tap summed over the input channels first, the code sums once per group (its output channels share
 * them) and the tap counts once (every output channel's taps cover the same pixels); zero weights add
 * no products and are skipped.
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
  const times = (v: string, k: number | string) => (k === 1 ? v : `${v} * ${k}`);

  /** The loops over kernel taps and, per tap, its output rows `oh`; `perTap` runs before the rows. */
  const taps = (w: CodeWriter, perTap: () => void, perRow: () => void) => {
    w.block(`for (kh = 0; kh < ${KH}; kh++) for (kw = 0; kw < ${KW}; kw++)`, () => {
      w.line("off = RO[kh]; offw = CO[kw]; owLo = CLO[kw]; owHi = CHI[kw];");
      perTap();
      w.block("for (oh = RLO[kh]; oh < RHI[kh]; oh++)", perRow);
    });
  };
  /** Adds `value` to plane `base` over the output pixels of the current tap. */
  const addOverTap = (w: CodeWriter, base: string, value: string) => {
    w.line(`p = ${base} + ${times("oh", OW)};`);
    w.line(`for (ow = owLo; ow < owHi; ow++) ${s}[p + ow] += ${value};`);
  };
  /** The current tap's input row for output row oh, offset so that column ow reads `row + ow * SW`. */
  const inputRow = (w: CodeWriter) => w.line(`row = xb + (${times("oh", SH)} + off) * ${W} + offw;`);
  const inputAt = times("ow", SW);

  return {
    spec,
    helpers: ["f32", "roundHalfEven", ...activationQuantHelpers(env), ...epilogue.helpers],
    body: (w) => {
      w.line("var i, n, oc, ic, kh, kw, oh, ow, p, xb, wb, row, off, offw, owLo, owHi, qw, v;");
      const quant = writeActivationQuant(w, env, x, `${N * C} * ${HW}`);
      const { aw, bw } = weightParams(w, env, M);
      epilogue.declare(w);
      w.comment(
        `Scratch: the input's codes, then four planes: sum qx*qw, sum qx, sum qw, tap count${bw ? "." : " (symmetric weights: only the first and third are summed)."}`,
      );
      w.line(`var acc = ${N * C} * ${HW}, sx = acc + ${OHW}, sw = sx + ${OHW}, cnt = sw + ${OHW};`);
      w.comment("Per kernel row: input offset, output rows inside the image (RLO..RHI); per column the same.");
      w.line("var RO = [], RLO = [], RHI = [], CO = [], CLO = [], CHI = [];");
      w.block(`for (kh = 0; kh < ${KH}; kh++)`, () => {
        w.line(`RO[kh] = off = ${times("kh", DH)} - ${PT};`);
        w.line(`RLO[kh] = off >= 0 ? 0 : Math.ceil(-off / ${SH});`);
        w.line(`RHI[kh] = Math.min(${OH}, Math.floor((${H} - 1 - off) / ${SH}) + 1);`);
      });
      w.block(`for (kw = 0; kw < ${KW}; kw++)`, () => {
        w.line(`CO[kw] = off = ${times("kw", DW)} - ${PL};`);
        w.line(`CLO[kw] = off >= 0 ? 0 : Math.ceil(-off / ${SW});`);
        w.line(`CHI[kw] = Math.min(${OW}, Math.floor((${W} - 1 - off) / ${SW}) + 1);`);
      });
      w.comment("WS: an output channel's weight codes per tap, summed over input channels.");
      w.line(`var WS = new Float64Array(${KH * KW});`);
      w.line(`for (i = 0; i < ${N * C} * ${HW}; i++) ${s}[i] = ${quant.code(`${x}[i]`)};`);
      if (bw) {
        w.comment("Tap counts: the same for every output channel.");
        w.line(`for (p = cnt; p < cnt + ${OHW}; p++) ${s}[p] = 0;`);
        taps(
          w,
          () => {},
          () => addOverTap(w, "cnt", String(CG)),
        );
      }
      w.block(`for (n = 0; n < ${N}; n++)`, () => {
        w.block(`for (oc = 0; oc < ${M}; oc++)`, () => {
          const group = MG === 1 && CG === 1 ? "oc" : `((oc / ${MG}) | 0) * ${CG}`;
          const channel = MG === 1 && CG === 1 ? "oc" : `${group} + ic`;
          if (bw) {
            const sumCodes = () => {
              w.line(`for (p = sx; p < sx + ${OHW}; p++) ${s}[p] = 0;`);
              w.block(`for (ic = 0; ic < ${CG}; ic++)`, () => {
                w.line(`xb = (n * ${C} + ${channel}) * ${HW};`);
                taps(
                  w,
                  () => {},
                  () => {
                    inputRow(w);
                    addOverTap(w, "sx", `${s}[row + ${inputAt}]`);
                  },
                );
              });
            };
            if (MG === 1) sumCodes();
            else w.block(`if (oc % ${MG} === 0)`, sumCodes);
          }
          w.line(`for (p = acc; p < acc + ${OHW}; p++) ${s}[p] = 0;`);
          w.line(`for (i = 0; i < ${KH * KW}; i++) WS[i] = 0;`);
          w.block(`for (ic = 0; ic < ${CG}; ic++)`, () => {
            w.line(`xb = (n * ${C} + ${channel}) * ${HW};`);
            w.line(`wb = (oc * ${CG} + ic) * ${KH * KW};`);
            taps(
              w,
              () => {
                w.line(`qw = ${wt}[wb + ${times("kh", KW)} + kw];`);
                w.line(`WS[${times("kh", KW)} + kw] += qw;`);
                w.line("if (qw === 0) continue;");
              },
              () => {
                inputRow(w);
                addOverTap(w, "acc", `${s}[row + ${inputAt}] * qw`);
              },
            );
          });
          w.line(`for (p = sw; p < sw + ${OHW}; p++) ${s}[p] = 0;`);
          taps(
            w,
            () => w.line(`qw = WS[${times("kh", KW)} + kw];`),
            () => addOverTap(w, "sw", "qw"),
          );
          w.block(`for (p = 0; p < ${OHW}; p++)`, () => {
            const [a, b] = [aw("oc"), bw?.("oc")];
            const value =
              b === undefined
                ? `qa * ${a} * ${s}[acc + p] - qb * ${a} * ${s}[sw + p]`
                : `qa * ${a} * ${s}[acc + p] - qa * ${b} * ${s}[sx + p] - qb * ${a} * ${s}[sw + p] + ${s}[cnt + p] * qb * ${b}`;
            w.line(`v = ${fround(value)};`);
            epilogue.store(w, y, `(n * ${M} + oc) * ${OHW} + p`, "oc", bias ? fround(`v + ${bias}[oc]`) : "v");
          });
        });
      });
    },
  };
};

export default qconv;
