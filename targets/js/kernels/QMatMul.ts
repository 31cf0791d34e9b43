import { wxGeometry, xwGeometry } from "../../shared/matmul-geometry.js";
import { productDim } from "../../shared/sym.js";
import { activationQuantHelpers, writeActivationQuant } from "./support/activation-quant.js";
import {
  ACCUMULATORS,
  accumulate,
  FloatEpilogue,
  resetAccumulators,
  weightParams,
  writeEpilogue,
} from "./support/integer-epilogue.js";
import type { KernelGenerator } from "./types.js";

/**
 * Integer matmul (qmc.QMatMul) of a quantized activation and constant weight codes: Y = X @ W
 * (weight_first 0; W is [K, N], X's leading dims are rows) or Y = W @ X (weight_first 1; W is
 * [..., M, K] broadcast against X [..., K, L] over static batch dims, as SS2D's x_proj and dt_proj),
 * then the float epilogue.
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
        w.line("var i, r, j, k, q, qw, v;");
        w.line(ACCUMULATORS);
        const quant = writeActivationQuant(w, env, x, n);
        const { aw, bw } = weightParams(w, env, N);
        epilogue.declare(w);
        w.line(`for (i = 0; i < ${n}; i++) ${codes}[i] = ${quant.code(`${x}[i]`)};`);
        w.block(`for (r = 0; r < ${R}; r++)`, () => {
          w.block(`for (j = 0; j < ${N}; j++)`, () => {
            resetAccumulators(w);
            w.block(`for (k = 0; k < ${K}; k++)`, () => {
              w.line(`q = ${codes}[r * ${K} + k];`);
              w.line(`qw = ${wt}[k * ${N} + j];`);
              accumulate(w, quant, "q", "qw", bw !== undefined);
            });
            writeEpilogue(w, quant, aw("j"), bw?.("j"), "v");
            epilogue.store(w, y, `r * ${N} + j`, "j", "f32(v)");
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
      w.line("var i, t, m, l, k, q, qw, v, wb, xb;");
      w.line(ACCUMULATORS);
      w.line(`var WB = [${Array.from({ length: count }, (_, t) => wi(t)).join(", ")}];`);
      w.line(`var XB = [${Array.from({ length: count }, (_, t) => xi(t)).join(", ")}];`);
      const quant = writeActivationQuant(w, env, x, n);
      const { aw, bw } = weightParams(w, env, M);
      epilogue.declare(w);
      w.line(`for (i = 0; i < ${n}; i++) ${codes}[i] = ${quant.code(`${x}[i]`)};`);
      w.block(`for (t = 0; t < ${count}; t++)`, () => {
        w.line(`wb = WB[t] * ${M * K};`);
        w.line(`xb = XB[t] * ${K} * ${L};`);
        w.block(`for (m = 0; m < ${M}; m++)`, () => {
          w.block(`for (l = 0; l < ${L}; l++)`, () => {
            resetAccumulators(w);
            w.block(`for (k = 0; k < ${K}; k++)`, () => {
              w.line(`q = ${codes}[xb + k * ${L} + l];`);
              w.line(`qw = ${wt}[wb + m * ${K} + k];`);
              accumulate(w, quant, "q", "qw", bw !== undefined);
            });
            writeEpilogue(w, quant, aw("m"), bw?.("m"), "v");
            epilogue.store(w, y, `(t * ${M} + m) * ${L} + l`, "m", "f32(v)");
          });
        });
      });
    },
  };
};

export default qmatmul;
