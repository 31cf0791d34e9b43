import { activationQuantHelpers, writeActivationQuant } from "./support/activation-quant.js";
import { scanOperands } from "./support/scan-operands.js";
import type { KernelGenerator } from "./types.js";

/**
 * The SS2D selective scan with its delta quantizer inside (qmc.QSelectiveScan). DlsQuant leaves
 * delta at most 2^bits distinct values per inference, so per channel the kernel tabulates
 * dt = softplus(value(q) + delta_bias) and exp(dt * A[d, n]) for every code q once, and the scan
 * itself does no exp at all. The state runs in float64; exp is the artifact's fdlibm port, so each
 * table entry is bit-identical to the reference's Math.exp of the same argument.
 */
const qscan: KernelGenerator = (env) => {
  const { batch: B, GE, G, N, E, us, softplus, u, delta, A, Bm, Cm, D, bias, y, L } = scanOperands(env);
  const n = env.count(us, "NU");
  const bits = env.int("delta_bits");
  const levels = 2 ** bits;
  const table = env.scratch({ c: levels * (N + 1) + N, h: 0, w: 0, hw: 0 }, "tab");
  const dt = (v: string) => (softplus ? `(${v} > 20 ? ${v} : qlog1p(qexp(${v})))` : v);
  return {
    spec: `qscan_e${E}_n${N}_g${G}_a${bits}${softplus ? "" : "_nosoftplus"}`,
    helpers: ["f32", "roundHalfEven", "qexp", "qlog1p", ...activationQuantHelpers(env, "delta")],
    body: (w) => {
      w.line("var b, d, g, t, k, s, q, row, bc, raw, dtv, xv, acc, h0;");
      const quant = writeActivationQuant(w, env, delta, n, "delta");
      const H0 = levels * (N + 1);
      w.block(`for (b = 0; b < ${B}; b++)`, () => {
        w.block(`for (d = 0; d < ${GE}; d++)`, () => {
          w.line(`g = (d / ${E}) | 0;`);
          w.line(`row = (b * ${GE} + d) * ${L};`);
          w.line(`bc = (b * ${G} + g) * ${N} * ${L};`);
          w.comment("Per code: dt in tab[k], exp(dt * A[d, s]) in tab[levels + k * N + s].");
          w.block(`for (k = 0; k < ${levels}; k++)`, () => {
            w.line(`raw = f32(dlsValue(k + ${quant.qn})${bias ? ` + ${bias}[d]` : ""});`);
            w.line(`dtv = ${dt("raw")};`);
            w.line(`${table}[k] = dtv;`);
            w.line(`for (s = 0; s < ${N}; s++) ${table}[${levels} + k * ${N} + s] = qexp(dtv * ${A}[d * ${N} + s]);`);
          });
          w.line(`for (s = 0; s < ${N}; s++) ${table}[${H0} + s] = 0;`);
          w.block(`for (t = 0; t < ${L}; t++)`, () => {
            w.line(`q = ${quant.code(`${delta}[row + t]`)} - ${quant.qn};`);
            w.line(`dtv = ${table}[q];`);
            w.line(`xv = ${u}[row + t];`);
            w.line("acc = 0;");
            w.block(`for (s = 0; s < ${N}; s++)`, () => {
              w.line(
                `h0 = ${table}[${levels} + q * ${N} + s] * ${table}[${H0} + s] + dtv * ${Bm}[bc + s * ${L} + t] * xv;`,
              );
              w.line(`${table}[${H0} + s] = h0;`);
              w.line(`acc += ${Cm}[bc + s * ${L} + t] * h0;`);
            });
            w.line(`${y}[row + t] = acc${D ? ` + ${D}[d] * xv` : ""};`);
          });
        });
      });
    },
  };
};

export default qscan;
