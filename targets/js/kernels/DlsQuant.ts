import { F32_ALIAS, fround } from "../runtime/math.js";
import { writeDlsStatistics } from "./support/dls-statistics.js";
import { literal } from "./support/elementwise.js";
import { quantGrid } from "./support/quant.js";
import { countOf, shapeSpec } from "./support/shapes.js";
import type { KernelGenerator } from "./types.js";

/**
 * Dynamic activation quantizer (QMAMBAIR.md 2.2): the statistics passes over the whole tensor
 * (support/dls-statistics.ts), then the quantize pass. The operation order and every float32 rounding follow compiler/quant/dls.ts line
 * for line (sums in float64, everything else rounded through f32), so results are bit-identical.
 */
const dlsQuant: KernelGenerator = (env) => {
  const { bits, signed, qn, qp } = quantGrid(env);
  const shape = env.outputShape(0);
  if (shape.every((d) => d.h === 0 && d.w === 0 && d.hw === 0) && shape.reduce((p, d) => p * d.c, 1) < 2) {
    throw env.error("the input has fewer than 2 elements; the unbiased std needs at least 2");
  }
  const x = env.input(0, "x");
  const wts = env.input(1, "wts");
  const y = env.output(0, "y");
  const n = countOf(env, shape, "n");
  return {
    spec: `dls_quant_${shapeSpec(shape)}_${signed ? "s" : "u"}${bits}`,
    helpers: ["f32", "roundHalfEven", "laneMin", "laneMax"],
    body: (w) => {
      w.line("var i, q, u, v, beta, alpha, alphaDiv;");
      w.line(F32_ALIAS);
      w.line(`var w1 = ${wts}[0], w2 = ${wts}[1], w3 = ${wts}[2], w4 = ${wts}[3];`);
      w.line(`var w21 = ${wts}[4], w22 = ${wts}[5], w23 = ${wts}[6], w24 = ${wts}[7];`);
      writeDlsStatistics(w, x, n, "");
      w.line("beta = f32(f32(f32(f32(w21 * mu) + f32(w22 * sd)) + f32(w23 * min)) + f32(w24 * max));");
      w.line("alpha = Math.abs(");
      w.indented(() =>
        w.line(
          "f32(f32(f32(f32(w1 * Math.abs(f32(mu + beta))) + f32(w2 * sd)) + f32(w3 * f32(min + beta))) + f32(w4 * f32(max + beta)))",
        ),
      );
      w.line(");");
      w.line(`alpha = Math.min(Math.max(alpha, ${literal(Math.fround(1e-6))}), f32(f32(max - min) / ${2 ** bits}));`);
      w.comment("A constant tensor has alpha = 0: divide by 1 instead, so its codes are finite and it maps to itself.");
      w.line("alphaDiv = alpha > 0 ? alpha : 1;");
      w.block(`for (i = 0; i < ${n}; i++)`, () => {
        w.line(`u = ${fround(`${fround(`${x}[i] + beta`)} / alphaDiv`)};`);
        w.line(`q = roundHalfEven(u < ${qn} ? ${qn} : Math.min(u, ${qp}));`);
        w.line(`v = ${fround(`${fround("q * alpha")} - beta`)};`);
        w.line(`${y}[i] = v < min ? min : Math.min(v, max);`);
      });
    },
  };
};

export default dlsQuant;
