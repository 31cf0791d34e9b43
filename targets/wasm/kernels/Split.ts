import { shapeSpec } from "../../shared/broadcast.js";
import { splitParts } from "../../shared/data-movement.js";
import { copyRun } from "./support/tiles.js";
import type { WasmKernelGenerator } from "./types.js";

/** Parts along one axis (shared/data-movement.ts's splitParts): one run of words per part and outer position. */
const split: WasmKernelGenerator = (env) => {
  const { xs, axis, parts: extents } = splitParts(env);
  const x = env.input(0);
  const outer = axis === 0 ? () => env.fn.i32(1) : env.count(xs.slice(0, axis));
  const inner = xs.slice(axis + 1);
  const row = env.count(xs.slice(axis));
  const parts = extents.map(({ extent, start }, k) => ({
    y: env.output(k),
    run: env.count([extent, ...inner]),
    offset: env.count([start, ...inner]),
  }));
  const f = env.fn;
  const m = f.m;
  const o = f.i32Local();
  return {
    spec: `split_${shapeSpec(xs)}_a${axis}_${parts.length}`,
    body: parts.map(({ y, run, offset }) =>
      f.for(
        o,
        f.i32(0),
        outer,
        copyRun(
          f,
          env.isa !== "mvp",
          x,
          () => f.add(m.i32.mul(o.get(), row()), offset()),
          y,
          () => m.i32.mul(o.get(), run()),
          run,
        ),
      ),
    ),
  };
};

export default split;
