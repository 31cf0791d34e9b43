import { shapeSpec } from "./support/shapes.js";
import type { KernelGenerator } from "./types.js";

const globalAveragePool: KernelGenerator = (env) => {
  const xs = env.inputShape(0);
  if (xs.length < 3) throw env.error(`input has rank ${xs.length}, expected at least 3 (N, C, spatial...)`);
  const x = env.input(0, "x");
  const y = env.output(0, "y");
  const planes = env.count(xs.slice(0, 2), "P");
  const size = env.count(xs.slice(2), "S");
  return {
    spec: `global_average_pool_${shapeSpec(xs)}`,
    body: (w) => {
      w.line("var p, i, sum, base;");
      w.block(`for (p = 0; p < ${planes}; p++)`, () => {
        w.line(`base = p * ${size};`);
        w.line("sum = 0;");
        w.line(`for (i = 0; i < ${size}; i++) sum += ${x}[base + i];`);
        w.line(`${y}[p] = sum / ${size};`);
      });
    },
  };
};

export default globalAveragePool;
