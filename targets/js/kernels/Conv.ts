import { convGeometry } from "../../shared/conv-geometry.js";
import { convPlanes } from "./support/shapes.js";
import type { KernelEnv, KernelGenerator } from "./types.js";

/** Top-left padding of one axis: a literal, or code when SAME padding depends on the input size. */
function padBegin(env: KernelEnv, axis: 0 | 1, autoPad: string, ext: number, stride: number, io: [string, string]) {
  if (autoPad === "VALID") return "0";
  if (autoPad === "NOTSET") return String(env.ints("pads", [0, 0, 0, 0])[axis]);
  if (autoPad !== "SAME_UPPER" && autoPad !== "SAME_LOWER") {
    throw env.error(`attribute 'auto_pad' is '${autoPad}', expected NOTSET, SAME_UPPER, SAME_LOWER or VALID`);
  }
  const [inSize, outSize] = io;
  const total = `Math.max(0, (${outSize} - 1) * ${stride} + ${ext} - ${inSize})`;
  // SAME_UPPER puts the odd pixel of padding at the end, SAME_LOWER at the beginning.
  return autoPad === "SAME_UPPER" ? `Math.floor(${total} / 2)` : `${total} - Math.floor(${total} / 2)`;
}

/**
 * 2-D grouped convolution (ONNX Conv: cross-correlation) in float32 arithmetic. Each output plane
 * accumulates in the output itself (a Float32Array, so every addition rounds to float32) in the
 * reference's order (bias, then input channel, then kernel row and column), each product rounded
 * through a one-element Float32Array first (ES5 has no Math.fround), so it agrees with
 * compiler/ops/support/convolution.ts to the last bit; border handling is by computing each tap's
 * valid output range instead of testing every element, so taps in the padding are skipped. 1x1 and
 * depthwise convolutions get their own loop nests.
 */
const conv: KernelGenerator = (env) => {
  const { xs, ys, N, C, M, CG, MG, G, KH, KW, strides, dilations } = convGeometry(env);
  const [SH, SW] = strides;
  const [DH, DW] = dilations;
  const autoPad = env.string("auto_pad", "NOTSET");
  const x = env.input(0, "x");
  const wt = env.input(1, "wt");
  const bias = env.has(2) ? env.input(2, "bias") : undefined;
  const y = env.output(0, "y");
  const { H, W, OH, OW, HW, OHW } = convPlanes(env, xs, ys);
  const PH = padBegin(env, 0, autoPad, (KH - 1) * DH + 1, SH, [H, OH]);
  const PW = padBegin(env, 1, autoPad, (KW - 1) * DW + 1, SW, [W, OW]);
  const pointwise = KH === 1 && KW === 1 && SH === 1 && SW === 1 && PH === "0" && PW === "0";
  const depthwise = CG === 1 && MG === 1;
  const pads = autoPad === "NOTSET" ? env.ints("pads", [0, 0, 0, 0]) : [];
  const padSpec =
    autoPad === "NOTSET" ? (new Set(pads).size === 1 ? `p${pads[0]}` : `p${pads.join("_")}`) : autoPad.toLowerCase();
  const extra = `${SH !== 1 || SW !== 1 ? `_s${SH}x${SW}` : ""}${DH !== 1 || DW !== 1 ? `_d${DH}x${DW}` : ""}`;
  const spec = `conv_c${C}_o${M}_k${KH}x${KW}_${padSpec}${extra}_g${G}${bias ? "" : "_nobias"}`;
  return {
    spec,
    body: (w) => {
      w.line("var n, oc, ic, kh, kw, oh, ow, p, xb, yb, row, wv, off, ohLo, ohHi, owLo, owHi;");
      w.line("var product = new Float32Array(1);");
      w.line(`var ph = ${PH}, pw = ${PW};`);
      w.block(`for (n = 0; n < ${N}; n++)`, () => {
        w.block(`for (oc = 0; oc < ${M}; oc++)`, () => {
          w.line(`yb = (n * ${M} + oc) * ${OHW};`);
          w.line(`for (p = 0; p < ${OHW}; p++) ${y}[yb + p] = ${bias ? `${bias}[oc]` : "0"};`);
          const channel = depthwise ? "oc" : G === 1 ? "ic" : `${MG === 1 ? "oc" : `((oc / ${MG}) | 0)`} * ${CG} + ic`;
          const taps = () => {
            w.line(`xb = (n * ${C} + ${channel}) * ${HW};`);
            if (pointwise) {
              w.line(`wv = ${wt}[oc * ${CG}${depthwise ? "" : " + ic"}];`);
              w.block(`for (p = 0; p < ${HW}; p++)`, () => {
                w.line(`product[0] = wv * ${x}[xb + p];`);
                w.line(`${y}[yb + p] += product[0];`);
              });
              return;
            }
            w.block(`for (kh = 0; kh < ${KH}; kh++)`, () => {
              w.line(`off = kh * ${DH} - ph;`);
              w.line(`ohLo = off >= 0 ? 0 : Math.ceil(-off / ${SH});`);
              w.line(`ohHi = Math.min(${OH}, Math.floor((${H} - 1 - off) / ${SH}) + 1);`);
              w.block(`for (kw = 0; kw < ${KW}; kw++)`, () => {
                w.line(`wv = ${wt}[((oc * ${CG}${depthwise ? "" : " + ic"}) * ${KH} + kh) * ${KW} + kw];`);
                w.line(`off = kw * ${DW} - pw;`);
                w.line(`owLo = off >= 0 ? 0 : Math.ceil(-off / ${SW});`);
                w.line(`owHi = Math.min(${OW}, Math.floor((${W} - 1 - off) / ${SW}) + 1);`);
                w.block(`for (oh = ohLo; oh < ohHi; oh++)`, () => {
                  w.line(`row = xb + (oh * ${SH} + kh * ${DH} - ph) * ${W} + off;`);
                  w.line(`p = yb + oh * ${OW};`);
                  w.block("for (ow = owLo; ow < owHi; ow++)", () => {
                    w.line(`product[0] = wv * ${x}[row + ${SW === 1 ? "ow" : `ow * ${SW}`}];`);
                    w.line(`${y}[p + ow] += product[0];`);
                  });
                });
              });
            });
          };
          if (depthwise) taps();
          else w.block(`for (ic = 0; ic < ${CG}; ic++)`, taps);
        });
      });
    },
  };
};

export default conv;
