import { shapeSpec } from "../../shared/broadcast.js";
import { normalizeAxis } from "../../shared/data-movement.js";
import type { Val } from "../dsl.js";
import { copyRun } from "./support/tiles.js";
import type { WasmKernelGenerator } from "./types.js";

/** Each input contributes one contiguous run of words per index of the dims before the axis. */
const concat: WasmKernelGenerator = (env) => {
  const ys = env.outputShape(0);
  const axis = normalizeAxis(env, env.int("axis"), ys.length);
  const f = env.fn;
  const m = f.m;
  const outer = axis === 0 ? () => f.i32(1) : env.count(ys.slice(0, axis));
  const row = env.count(ys.slice(axis));
  const parts = env.kernel.inputs.map((_, i) => ({ x: env.input(i), run: env.count(env.inputShape(i).slice(axis)) }));
  const y = env.output(0);
  const o = f.i32Local();
  // An input's runs start in y's rows after the runs of the inputs before it.
  const columns = parts.map(
    (_, k): Val =>
      () =>
        parts.slice(0, k).reduce((c, p) => m.i32.add(c, p.run()), f.i32(0)),
  );
  return {
    spec: `concat_${parts.length}_${shapeSpec(ys)}_a${axis}`,
    body: parts.map(({ x, run }, k) =>
      f.for(
        o,
        f.i32(0),
        outer,
        copyRun(
          f,
          env.isa !== "mvp",
          x,
          () => m.i32.mul(o.get(), run()),
          y,
          () => f.add(m.i32.mul(o.get(), row()), columns[k]()),
          run,
        ),
      ),
    ),
  };
};

export default concat;
