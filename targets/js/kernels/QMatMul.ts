import { wxGeometry, xwGeometry } from "../../shared/matmul-geometry.js";
import { productDim } from "../../shared/sym.js";
import { fround } from "../runtime/math.js";
import { activationQuantHelpers, writeActivationQuant } from "./support/activation-quant.js";
import {
  ACCUMULATORS,
  FloatEpilogue,
  weightParams,
  writeEpilogue,
  writeExtremeCodeSums,
  writeVectorSums,
} from "./support/integer-epilogue.js";
import type { KernelGenerator } from "./types.js";

/**
 * Integer matmul (qmc.QMatMul) of a quantized activation and constant weight codes: Y = X @ W
 * (weight_first 0; W is [K, N], X's leading dims are rows) or Y = W @ X (weight_first 1; W is
 * [..., M, K] broadcast against X [..., K, L] over static batch dims, as SS2D's x_proj and dt_proj),
 * then the float epilogue.
 * The epilogue's sums are exact integers, so each is taken where it costs least in an interpreter:
 * the weight codes' sums once per weight vector, the activation codes' sums and counts once per
 * activation vector, and the dot products' loops hold nothing else.
 */
const qmatmul: KernelGenerator = (env) => {
  const xs = env.inputShape(0);
  const ws = env.inputShape(1);
  const first = env.int("weight_first", 0) !== 0;
  const x = env.input(0, "x");
  const wt = env.input(1, "wt", "Int8Array");
  const y = env.output(0, "y");
  const epilogue = new FloatEpilogue(env, first ? -2 : -1, 2);
  const total = productDim(xs);
  if (!total) throw env.error("the input's size is not a polynomial in h and w");
  const codes = env.scratch(total, "qx");
  const n = env.count(xs, "NX");
  const bits = `a${env.int("x_bits")}w${env.int("w_bits")}`;
  if (!first) {
    const { K, N, rows } = xwGeometry(env, xs, ws);
    const R = env.dim(rows, "R");
    return {
      spec: `qmatmul_k${K}_n${N}_${bits}${epilogue.spec}`,
      helpers: ["f32", "roundHalfEven", ...activationQuantHelpers(env), ...epilogue.helpers],
      body: (w) => {
        w.line("var i, r, j, k, p, xr, xe, v;");
        w.line(ACCUMULATORS);
        const quant = writeActivationQuant(w, env, x, n);
        const { aw, bw } = weightParams(w, env, N);
        epilogue.declare(w);
        w.line(`for (i = 0; i < ${n}; i++) ${codes}[i] = ${quant.code(`${x}[i]`)};`);
        w.comment("SW: each output column's weight codes summed over k.");
        w.line(`var SW = new Float64Array(${N});`);
        w.line(`for (k = 0; k < ${K}; k++) for (j = 0; j < ${N}; j++) SW[j] += ${wt}[k * ${N} + j];`);
        w.block(`for (r = 0; r < ${R}; r++)`, () => {
          w.line(`xr = r * ${K};`);
          w.line(`xe = xr + ${K};`);
          writeVectorSums(w, quant, "for (k = xr; k < xe; k++)", `${codes}[k]`, bw !== undefined);
          w.block(`for (j = 0; j < ${N}; j++)`, () => {
            const loop = `for (k = xr, p = j; k < xe; k++, p += ${N})`;
            w.line("acc = 0;");
            w.line(`${loop} acc += ${codes}[k] * ${wt}[p];`);
            w.line(`sw = SW[j]; cnt = ${K};`);
            writeExtremeCodeSums(w, quant, loop, `${codes}[k]`, `${wt}[p]`);
            writeEpilogue(w, quant, aw("j"), bw?.("j"), "v");
            epilogue.store(w, y, `r * ${N} + j`, "j", fround("v"));
          });
        });
      },
    };
  }
  const { M, K, count, wi, xi } = wxGeometry(env, xs, ws);
  const L = env.dim(xs[xs.length - 1], "L");
  return {
    spec: `qmatmul_wx_m${M}_k${K}_b${count}_${bits}${epilogue.spec}`,
    helpers: ["f32", "roundHalfEven", ...activationQuantHelpers(env), ...epilogue.helpers],
    body: (w) => {
      w.line("var i, t, m, l, k, p, v, wb, xb, wm, we;");
      w.line(ACCUMULATORS);
      w.line(`var WB = [${Array.from({ length: count }, (_, t) => wi(t)).join(", ")}];`);
      w.line(`var XB = [${Array.from({ length: count }, (_, t) => xi(t)).join(", ")}];`);
      const quant = writeActivationQuant(w, env, x, n);
      const { aw, bw } = weightParams(w, env, M);
      epilogue.declare(w);
      w.line(`for (i = 0; i < ${n}; i++) ${codes}[i] = ${quant.code(`${x}[i]`)};`);
      w.comment("SW: each weight row's codes summed over k.");
      w.line(`var SW = new Float64Array(${M});`);
      w.block(`for (t = 0; t < ${count}; t++)`, () => {
        w.line(`wb = WB[t] * ${M * K};`);
        w.line(`xb = XB[t] * ${K} * ${L};`);
        w.block(`for (m = 0; m < ${M}; m++)`, () => {
          w.line("SW[m] = 0;");
          w.line(`for (k = wb + m * ${K}; k < wb + (m + 1) * ${K}; k++) SW[m] += ${wt}[k];`);
        });
        w.block(`for (l = 0; l < ${L}; l++)`, () => {
          const column = `for (k = 0, p = xb + l; k < ${K}; k++, p += ${L})`;
          writeVectorSums(w, quant, column, `${codes}[p]`, bw !== undefined);
          w.block(`for (m = 0; m < ${M}; m++)`, () => {
            w.line(`wm = wb + m * ${K};`);
            w.line(`we = wm + ${K};`);
            const loop = `for (k = wm, p = xb + l; k < we; k++, p += ${L})`;
            w.line("acc = 0;");
            w.line(`${loop} acc += ${codes}[p] * ${wt}[k];`);
            w.line(`sw = SW[m]; cnt = ${K};`);
            writeExtremeCodeSums(w, quant, loop, `${codes}[p]`, `${wt}[k]`);
            writeEpilogue(w, quant, aw("m"), bw?.("m"), "v");
            epilogue.store(w, y, `(t * ${M} + m) * ${L} + l`, "m", fround("v"));
          });
        });
      });
    },
  };
};

export default qmatmul;
