import { batchNormGeometry } from "../../shared/data-movement.js";
import { literal } from "./support/elementwise.js";
import { countOf, shapeSpec } from "./support/shapes.js";
import type { KernelGenerator } from "./types.js";

/**
 * Inference-form BatchNormalization (running statistics), where no Conv precedes it to fold into:
 * per channel s = scale / sqrt(var + epsilon) and shift = B - mean * s, then y = x * s + shift, all
 * in double in the reference's order, rounded to float32 at the store.
 */
const batchNorm: KernelGenerator = (env) => {
  const { xs, epsilon } = batchNormGeometry(env);
  const x = env.input(0, "x");
  const [scale, bias, mean, variance] = ["scale", "bias", "mean", "variance"].map((name, k) => env.input(k + 1, name));
  const y = env.output(0, "y");
  const N = env.dim(xs[0], "N");
  const C = env.dim(xs[1], "C");
  const S = countOf(env, xs.slice(2), "S");
  return {
    spec: `batch_norm_${shapeSpec(xs)}`,
    body: (w) => {
      w.line("var n, c, i, o = 0, s, shift;");
      w.block(`for (n = 0; n < ${N}; n++)`, () => {
        w.block(`for (c = 0; c < ${C}; c++)`, () => {
          w.line(`s = ${scale}[c] / Math.sqrt(${variance}[c] + ${literal(epsilon)});`);
          w.line(`shift = ${bias}[c] - ${mean}[c] * s;`);
          w.block(`for (i = 0; i < ${S}; i++, o++)`, () => w.line(`${y}[o] = ${x}[o] * s + shift;`));
        });
      });
    },
  };
};

export default batchNorm;
