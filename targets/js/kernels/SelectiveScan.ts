import { exp32Statements, F32_ALIAS, fround } from "../runtime/math.js";
import { scanOperands, writeScanOutput, writeStateUpdate } from "./support/scan-operands.js";
import { shapeSpec } from "./support/shapes.js";
import type { KernelGenerator } from "./types.js";

/**
 * The selective scan (QMAMBAIR.md section 1) for u, delta (B, G*E, L); A (G*E, N); B, C (B, G, N, L);
 * D, delta_bias (G*E), in float32 in the order of compiler/ops/support/ss2d.ts: each product and sum
 * is rounded through a Float32Array element (the state `hs`, the cells `r`), exp and softplus are
 * the float32 helpers qexp32 and qsoftplus32 (scan-math.ts's exp32 and softplus32). The step's loop over the states walks
 * A's row and the B, C columns by running indices (`an`, `at`), as interpreters run fastest, and
 * computes its exp written out (exp32Statements) rather than by calling qexp32: on Duktape and
 * QuickJS that call and the helper's own calls cost about a third of the scan.
 */
const selectiveScan: KernelGenerator = (env) => {
  const { batch, GE, G, N, E, us, bs, softplus, u, delta, A, Bm, Cm, D, bias, y, L } = scanOperands(env);
  const NL = env.count([bs[2], us[2]], "NL");
  return {
    spec: `selective_scan_g${G}_e${E}_n${N}_${shapeSpec(us)}${softplus ? "" : "_nosoftplus"}`,
    // qexp32 brings POW2_F64, which the written-out exp reads, and is qsoftplus32's exp.
    helpers: softplus ? ["f32", "qexp32", "qsoftplus32"] : ["f32", "qexp32"],
    body: (w) => {
      w.line("var b, d, n, t, row, bc, an, raw, dt, xv, at, x, e, a, k, q, p;");
      w.comment("hs: the state; r[0]: the step's sum, r[1], r[2]: products.");
      w.line(`var hs = new Float32Array(${N}), r = new Float32Array(3);`);
      w.line(F32_ALIAS);
      w.line("var pow2 = POW2_F64;");
      w.block(`for (b = 0; b < ${batch}; b++)`, () => {
        w.block(`for (d = 0; d < ${GE}; d++)`, () => {
          w.line(`row = (b * ${GE} + d) * ${L};`);
          w.line(`bc = (b * ${G} + ((d / ${E}) | 0)) * ${NL};`);
          w.line(`an = d * ${N};`);
          w.line(`for (n = 0; n < ${N}; n++) hs[n] = 0;`);
          w.block(`for (t = 0; t < ${L}; t++)`, () => {
            w.line(bias ? `raw = ${fround(`${delta}[row + t] + ${bias}[d]`)};` : `raw = ${delta}[row + t];`);
            w.line(softplus ? "dt = qsoftplus32(raw);" : "dt = raw;");
            w.line(`xv = ${u}[row + t];`);
            w.line("r[0] = 0;");
            w.line("at = bc + t;");
            w.block(`for (n = 0; n < ${N}; n++, at += ${L})`, () => {
              w.line(`x = ${fround(`dt * ${A}[an + n]`)};`);
              for (const line of exp32Statements("x", "e", { a: "a", k: "k", r: "q", p: "p" })) w.line(line);
              w.line("r[1] = e * hs[n];");
              writeStateUpdate(w, { Bm, Cm }, "dt", "hs[n]");
            });
            writeScanOutput(w, { D, y });
          });
        });
      });
    },
  };
};

export default selectiveScan;
