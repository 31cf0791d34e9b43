import { scanOperands } from "./support/scan-operands.js";
import { shapeSpec } from "./support/shapes.js";
import type { KernelGenerator } from "./types.js";

/**
 * The selective scan (QMAMBAIR.md section 1) for u, delta (B, G*E, L); A (G*E, N); B, C (B, G, N, L);
 * D, delta_bias (G*E). The state lives in float64 scratch, as in compiler/ops/support/ss2d.ts.
 */
const selectiveScan: KernelGenerator = (env) => {
  const { batch, GE, G, N, E, us, bs, softplus, u, delta, A, Bm, Cm, D, bias, y, L } = scanOperands(env);
  const NL = env.count([bs[2], us[2]], "NL");
  const h = env.scratch({ c: N, h: 0, w: 0, hw: 0 }, "state");
  return {
    spec: `selective_scan_g${G}_e${E}_n${N}_${shapeSpec(us)}${softplus ? "" : "_nosoftplus"}`,
    helpers: softplus ? ["f32", "qexp", "qlog1p"] : ["f32", "qexp"],
    body: (w) => {
      w.line("var b, d, n, t, g, row, bc, db, skip, raw, dt, xv, acc;");
      w.block(`for (b = 0; b < ${batch}; b++)`, () => {
        w.block(`for (d = 0; d < ${GE}; d++)`, () => {
          w.line(`g = (d / ${E}) | 0;`);
          w.line(`row = (b * ${GE} + d) * ${L};`);
          w.line(`bc = (b * ${G} + g) * ${NL};`);
          w.line(`db = ${bias ? `${bias}[d]` : "0"};`);
          w.line(`skip = ${D ? `${D}[d]` : "0"};`);
          w.line(`for (n = 0; n < ${N}; n++) ${h}[n] = 0;`);
          w.block(`for (t = 0; t < ${L}; t++)`, () => {
            w.line(`raw = f32(${delta}[row + t] + db);`);
            w.line(softplus ? "dt = raw > 20 ? raw : qlog1p(qexp(raw));" : "dt = raw;");
            w.line(`xv = ${u}[row + t];`);
            w.line("acc = 0;");
            w.block(`for (n = 0; n < ${N}; n++)`, () => {
              w.line(`${h}[n] = qexp(dt * ${A}[d * ${N} + n]) * ${h}[n] + dt * ${Bm}[bc + n * ${L} + t] * xv;`);
              w.line(`acc += ${Cm}[bc + n * ${L} + t] * ${h}[n];`);
            });
            w.line(`${y}[row + t] = acc + skip * xv;`);
          });
        });
      });
    },
  };
};

export default selectiveScan;
