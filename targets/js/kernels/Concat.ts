import { normalizeAxis } from "../../shared/data-movement.js";
import { shapeSpec } from "./support/shapes.js";
import type { KernelGenerator } from "./types.js";

/** Each input contributes one contiguous run per index of the dims before the axis. */
const concat: KernelGenerator = (env) => {
  const ys = env.outputShape(0);
  const axis = normalizeAxis(env, env.int("axis"), ys.length);
  const count = env.kernel.inputs.length;
  const outer = axis === 0 ? "1" : env.count(ys.slice(0, axis), "outer");
  const row = env.count(ys.slice(axis), "row");
  const parts = Array.from({ length: count }, (_, i) => ({
    x: env.input(i, `x${i}`),
    run: env.count(env.inputShape(i).slice(axis), `run${i}`),
  }));
  const y = env.output(0, "y");
  return {
    spec: `concat_${parts.length}_${shapeSpec(ys)}_a${axis}`,
    body: (w) => {
      w.line("var o, j, col = 0;");
      for (const { x, run } of parts) {
        w.block(`for (o = 0; o < ${outer}; o++)`, () => {
          w.line(`for (j = 0; j < ${run}; j++) ${y}[o * ${row} + col + j] = ${x}[o * ${run} + j];`);
        });
        w.line(`col += ${run};`);
      }
    },
  };
};

export default concat;
