import { literal } from "./support/elementwise.js";
import { shapeSpec } from "./support/shapes.js";
import type { KernelGenerator } from "./types.js";

/**
 * Normalization over the last axis, statistics in float64 and two passes, in the order of
 * compiler/ops/support/normalization.ts. Scale and bias hold one value per channel, or one in all.
 */
const layerNorm: KernelGenerator = (env) => {
  const xs = env.inputShape(0);
  const rank = xs.length;
  const axis = env.int("axis", -1);
  if (axis !== -1 && axis !== rank - 1) throw env.error(`axis ${axis}: only the last axis is supported`);
  const epsilon = env.float("epsilon", 1e-5);
  const x = env.input(0, "x");
  const scale = env.input(1, "scale");
  const bias = env.has(2) ? env.input(2, "bias") : undefined;
  const y = env.output(0, "y");
  const C = env.dim(xs[rank - 1], "C");
  const G = env.count(xs.slice(0, -1), "G");
  const perChannel = (i: number) => {
    const s = env.inputShape(i);
    return s.length > 0 && env.staticDim(s[s.length - 1], "the scale/bias length") !== 1 ? "i" : "0";
  };
  const si = perChannel(1);
  const bi = bias ? perChannel(2) : "";
  return {
    spec: `layer_norm_${shapeSpec(xs)}${bias ? "" : "_nobias"}`,
    body: (w) => {
      w.line("var g, i, base, mu, sq, d, inv;");
      w.block(`for (g = 0; g < ${G}; g++)`, () => {
        w.line(`base = g * ${C};`);
        w.line("mu = 0;");
        w.line(`for (i = 0; i < ${C}; i++) mu += ${x}[base + i];`);
        w.line(`mu /= ${C};`);
        w.line("sq = 0;");
        w.block(`for (i = 0; i < ${C}; i++)`, () => {
          w.line(`d = ${x}[base + i] - mu;`);
          w.line("sq += d * d;");
        });
        w.line(`inv = 1 / Math.sqrt(sq / ${C} + ${literal(epsilon)});`);
        const b = bias ? `${bias}[${bi}]` : "0";
        w.line(`for (i = 0; i < ${C}; i++) ${y}[base + i] = (${x}[base + i] - mu) * inv * ${scale}[${si}] + ${b};`);
      });
    },
  };
};

export default layerNorm;
