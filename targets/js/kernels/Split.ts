import type { SymDim } from "../../../compiler/plan/kernel-plan.js";
import { addDims, normalizeAxis } from "./support/axes.js";
import { shapeSpec } from "./support/shapes.js";
import type { KernelGenerator } from "./types.js";

/**
 * Parts along one axis. Their sizes are the outputs' extents on that axis, which the planner already
 * derived from the split input, the `split` attribute or num_outputs.
 */
const split: KernelGenerator = (env) => {
  const xs = env.inputShape(0);
  const axis = normalizeAxis(env, env.int("axis", 0), xs.length);
  const x = env.input(0, "x");
  const outer = axis === 0 ? "1" : env.count(xs.slice(0, axis), "outer");
  const inner = xs.slice(axis + 1);
  const row = env.count(xs.slice(axis), "row");
  let start: SymDim = { c: 0, h: 0, w: 0, hw: 0 };
  const parts = env.kernel.outputs.map((_, k) => {
    const len = env.outputShape(k)[axis];
    const part = {
      y: env.output(k, `y${k}`),
      run: env.count([len, ...inner], `run${k}`),
      offset: env.count([start, ...inner], `off${k}`),
    };
    start = addDims(start, len);
    return part;
  });
  return {
    spec: `split_${shapeSpec(xs)}_a${axis}_${parts.length}`,
    body: (w) => {
      w.line("var o, j;");
      for (const { y, run, offset } of parts) {
        w.block(`for (o = 0; o < ${outer}; o++)`, () => {
          w.line(`for (j = 0; j < ${run}; j++) ${y}[o * ${run} + j] = ${x}[o * ${row} + ${offset} + j];`);
        });
      }
    },
  };
};

export default split;
