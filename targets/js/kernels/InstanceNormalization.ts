import { instanceNormGeometry } from "../../shared/instance-norm-geometry.js";
import { literal } from "./support/elementwise.js";
import type { KernelGenerator } from "./types.js";

/**
 * Normalization of each (image, channel) plane, statistics in float64 and two passes, then
 * (x - mean) * (scale * invStd) + B, in the order of compiler/ops/ai.onnx/InstanceNormalization.ts.
 */
const instanceNorm: KernelGenerator = (env) => {
  const { xs, C, spec } = instanceNormGeometry(env);
  const epsilon = env.float("epsilon", 1e-5);
  const x = env.input(0, "x");
  const scale = env.input(1, "scale");
  const bias = env.input(2, "bias");
  const y = env.output(0, "y");
  const size = env.count(xs.slice(2), "S");
  return {
    spec,
    body: (w) => {
      w.line("var g, i, base, mu, sq, d, s, b;");
      w.block(`for (g = 0; g < ${env.staticDim(xs[0], "the batch") * C}; g++)`, () => {
        w.line(`base = g * ${size};`);
        w.line("mu = 0;");
        w.line(`for (i = 0; i < ${size}; i++) mu += ${x}[base + i];`);
        w.line(`mu /= ${size};`);
        w.line("sq = 0;");
        w.block(`for (i = 0; i < ${size}; i++)`, () => {
          w.line(`d = ${x}[base + i] - mu;`);
          w.line("sq += d * d;");
        });
        w.line(`s = ${scale}[g % ${C}] * (1 / Math.sqrt(sq / ${size} + ${literal(epsilon)}));`);
        w.line(`b = ${bias}[g % ${C}];`);
        w.line(`for (i = 0; i < ${size}; i++) ${y}[base + i] = (${x}[base + i] - mu) * s + b;`);
      });
    },
  };
};

export default instanceNorm;
