import { splitParts } from "../../shared/data-movement.js";
import { shapeSpec } from "./support/shapes.js";
import type { KernelGenerator } from "./types.js";

/** Parts along one axis (shared/data-movement.ts's splitParts), one copy loop each. */
const split: KernelGenerator = (env) => {
  const { xs, axis, parts: extents } = splitParts(env);
  const x = env.input(0, "x");
  const outer = axis === 0 ? "1" : env.count(xs.slice(0, axis), "outer");
  const inner = xs.slice(axis + 1);
  const row = env.count(xs.slice(axis), "row");
  const parts = extents.map(({ extent, start }, k) => ({
    y: env.output(k, `y${k}`),
    run: env.count([extent, ...inner], `run${k}`),
    offset: env.count([start, ...inner], `off${k}`),
  }));
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
