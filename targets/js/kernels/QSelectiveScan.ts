import { activationParams } from "../../shared/quant-params.js";
import { fround } from "../runtime/math.js";
import { activationQuantHelpers, lit, writeActivationQuant } from "./support/activation-quant.js";
import { scanOperands, writeScanOutput, writeStateUpdate } from "./support/scan-operands.js";
import type { KernelGenerator } from "./types.js";

/**
 * The SS2D selective scan with its delta quantizer inside (qmc.QSelectiveScan). DlsQuant leaves
 * delta at most 2^bits distinct values per inference, so per channel the kernel tabulates
 * dt = softplus(value(q) + delta_bias) and exp(dt * A[d, n]) for every code q once, and the scan
 * itself does no exp at all. Every value is the float32 one of compiler/ops/support/ss2d.ts, in its
 * order: the tables hold float32 values (exp is the artifact's fdlibm port of the float32 product,
 * rounded once, bit-identical to the reference's Math.exp), the state `hs` and the cells `r` round
 * each product and sum as a Float32Array element. Where u_w is given, u arrives raw and is
 * DlsQuant-ed as it is read: uValue (its statistics taken once, in a scope of its own so that its
 * names do not meet delta's) gives each element's quantized value. Where b_w or c_w is given, B or C
 * arrives raw and is DlsQuant-ed once into a copy in the scratch by the dlsQuantize helper (every
 * channel of a direction reads each element, so quantizing as read would repeat the work E times).
 * With merge = 1 the directions run in CrossMerge's order 0, 2, 1, 3, and each step's y goes to its
 * position p in row-major order, element (b * L + p) * E + e of the merged (B, L, E) output: the
 * first direction stores it, the others add it (CrossMerge's ((y0 + y2) + y1) + y3).
 */
const qscan: KernelGenerator = (env) => {
  const { batch: B, GE, G, N, E, us, bs, softplus, u, delta, A, Bm, Cm, D, bias, y, L } = scanOperands(env);
  const n = env.count(us, "NU");
  const bits = env.int("delta_bits");
  const levels = 2 ** bits;
  const uQuant = "u_w" in env.kernel.params;
  // B and C quantized inside go to float32 copies past the table (float64 elements), B's then C's,
  // each B * G * N * L values: at most as many bytes as B * G * N * L float64 elements.
  const copied = [
    { x: Bm, prefix: "b", name: "bq" },
    { x: Cm, prefix: "c", name: "cq" },
  ].filter((c) => `${c.prefix}_w` in env.kernel.params);
  const Ld = us[2];
  const per = copied.length > 0 ? B * G * N : 0;
  const tableSize = levels * (N + 1);
  const table = env.scratch({ c: tableSize + per * Ld.c, h: per * Ld.h, w: per * Ld.w, hw: per * Ld.hw }, "tab");
  const nb = copied.length > 0 ? env.count(bs, "NB") : "";
  const quantized = (x: string) => copied.find((c) => c.x === x)?.name ?? x;
  const dt = (v: string) => (softplus ? `(${v} > 20 ? ${v} : ${fround(`qlog1p(qexp(${v}))`)})` : v);
  const merge = env.int("merge", 0) !== 0;
  const like = merge ? env.inputShape(7) : [];
  const [H, W] = merge ? [env.dim(like[2], "H"), env.dim(like[3], "W")] : [];
  return {
    spec: `qscan_e${E}_n${N}_g${G}_a${bits}${["u", "b", "c"].map((p) => (`${p}_w` in env.kernel.params ? `_${p}${env.int(`${p}_bits`)}` : "")).join("")}${softplus ? "" : "_nosoftplus"}${merge ? "_merged" : ""}`,
    helpers: [
      "f32",
      "roundHalfEven",
      "qexp",
      "qlog1p",
      ...activationQuantHelpers(env, "delta"),
      ...(copied.length > 0 ? (["dlsQuantize"] as const) : []),
    ],
    body: (w) => {
      w.line(`var b, d, g, t, k, s, q, row, bc, at, raw, dtv, xv, dA${merge ? ", i, o" : ""};`);
      w.comment("hs: the state; r[0]: the step's sum, r[1], r[2]: products.");
      w.line(`var hs = new Float32Array(${N}), r = new Float32Array(3);`);
      const quant = writeActivationQuant(w, env, delta, n, "delta");
      if (uQuant) {
        w.block(
          "var uValue = (function ()",
          () => {
            const uq = writeActivationQuant(w, env, u, n, "u");
            w.line(`return function (v) { return dlsValue(${uq.code("v")}); };`);
          },
          "})();",
        );
      }
      copied.forEach((c, i) => {
        const { mode, bits: qbits, signed, f32: weights } = activationParams(env, c.prefix);
        if (mode !== "dls") throw env.error(`the scan's ${c.prefix === "b" ? "B" : "C"} quantizer must be DlsQuant`);
        w.line(
          `var ${c.name} = dlsQuantize(${c.x}, ${nb}, [${weights.map(lit).join(", ")}], ${qbits}, ${signed ? 1 : 0}, new Float32Array(${table}.buffer, ${table}.byteOffset + ${8 * tableSize} + ${4 * i} * ${nb}, ${nb}));`,
        );
      });
      w.block(`for (b = 0; b < ${B}; b++)`, () => {
        w.block(merge ? `for (i = 0; i < ${GE}; i++)` : `for (d = 0; d < ${GE}; d++)`, () => {
          if (merge) {
            w.comment("Direction g = 0, 2, 1, 3 for i / E = 0, 1, 2, 3: CrossMerge's order of sums.");
            w.line(`g = (i / ${E}) | 0;`);
            w.line("g = (g & 1) * 2 + (g >> 1);");
            w.line(`d = g * ${E} + (i % ${E});`);
          } else {
            w.line(`g = (d / ${E}) | 0;`);
          }
          w.line(`row = (b * ${GE} + d) * ${L};`);
          w.line(`bc = (b * ${G} + g) * ${N} * ${L};`);
          w.comment("Per code: dt in tab[k], exp(dt * A[d, s]) in tab[levels + k * N + s].");
          w.block(`for (k = 0; k < ${levels}; k++)`, () => {
            w.line(
              bias ? `raw = ${fround(`dlsValue(k + ${quant.qn}) + ${bias}[d]`)};` : `raw = dlsValue(k + ${quant.qn});`,
            );
            w.line(`dtv = ${dt("raw")};`);
            w.line(`${table}[k] = dtv;`);
            w.line(
              `for (s = 0; s < ${N}; s++) ${table}[${levels} + k * ${N} + s] = ${fround(`qexp(${fround(`dtv * ${A}[d * ${N} + s]`)})`)};`,
            );
          });
          w.line(`for (s = 0; s < ${N}; s++) hs[s] = 0;`);
          w.block(`for (t = 0; t < ${L}; t++)`, () => {
            w.line(`q = ${quant.code(`${delta}[row + t]`)} - ${quant.qn};`);
            w.line(`dtv = ${table}[q];`);
            w.line(`dA = ${levels} + q * ${N};`);
            w.line(uQuant ? `xv = uValue(${u}[row + t]);` : `xv = ${u}[row + t];`);
            w.line("r[0] = 0;");
            w.line("at = bc + t;");
            w.block(`for (s = 0; s < ${N}; s++, at += ${L})`, () => {
              w.line(`r[1] = ${table}[dA + s] * hs[s];`);
              writeStateUpdate(w, { Bm: quantized(Bm), Cm: quantized(Cm) }, "dtv", "hs[s]");
            });
            if (merge) {
              w.comment("o: the step's position in row-major order (directions 2, 3 run backwards, 1, 3 by columns).");
              w.line(`o = g < 2 ? t : ${L} - 1 - t;`);
              w.line(`if (g & 1) o = (o % ${H}) * ${W} + (o - o % ${H}) / ${H};`);
              w.line(`o = (b * ${L} + o) * ${E} + d - g * ${E};`);
            }
            writeScanOutput(w, { D, y, merged: merge ? { at: "o", first: "g === 0" } : undefined });
          });
        });
      });
    },
  };
};

export default qscan;
