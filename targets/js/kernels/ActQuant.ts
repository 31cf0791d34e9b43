import { literal } from "./support/elementwise.js";
import { quantGrid, scalarConstant } from "./support/quant.js";
import { countOf, shapeSpec } from "./support/shapes.js";
import type { KernelGenerator } from "./types.js";

/**
 * Static activation quantizer (QMAMBAIR.md 2.1), output dequantized: every intermediate rounded to
 * float32 exactly as compiler/quant/act.ts does, so the codes and values are bit-identical.
 */
const actQuant: KernelGenerator = (env) => {
  const { bits, signed, qn, qp } = quantGrid(env);
  const alpha = Math.fround(scalarConstant(env, 1, "alpha"));
  const beta = Math.fround(scalarConstant(env, 2, "beta"));
  if (!Number.isFinite(alpha) || alpha === 0) throw env.error(`alpha is ${alpha}, expected a finite non-zero scale`);
  const x = env.input(0, "x");
  const y = env.output(0, "y");
  const n = countOf(env, env.outputShape(0), "n");
  const [a, b] = [literal(alpha), literal(beta)];
  return {
    spec: `act_quant_${shapeSpec(env.outputShape(0))}_${signed ? "s" : "u"}${bits}`,
    helpers: ["f32", "roundHalfEven"],
    body: (w) => {
      w.line("var i, u, q;");
      w.block(`for (i = 0; i < ${n}; i++)`, () => {
        w.line(`u = f32(f32(${x}[i] + ${b}) / ${a});`);
        w.line(`q = roundHalfEven(u < ${qn} ? ${qn} : Math.min(u, ${qp}));`);
        w.line(`${y}[i] = f32(q * ${a}) - ${b};`);
      });
    },
  };
};

export default actQuant;
