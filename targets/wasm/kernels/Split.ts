import type { SymDim } from "../../../compiler/plan/kernel-plan.js";
import { shapeSpec } from "../../shared/broadcast.js";
import { normalizeAxis } from "./support/axes.js";
import { copyRun } from "./support/tiles.js";
import type { WasmKernelGenerator } from "./types.js";

const addDims = (a: SymDim, b: SymDim): SymDim => ({ c: a.c + b.c, h: a.h + b.h, w: a.w + b.w, hw: a.hw + b.hw });

/** Parts along one axis, sized by the outputs' extents on it: one run of words per part and outer position. */
const split: WasmKernelGenerator = (env) => {
  const xs = env.inputShape(0);
  const axis = normalizeAxis(env, env.int("axis", 0), xs.length);
  const x = env.input(0);
  const outer = axis === 0 ? () => env.fn.i32(1) : env.count(xs.slice(0, axis));
  const inner = xs.slice(axis + 1);
  const row = env.count(xs.slice(axis));
  let start: SymDim = { c: 0, h: 0, w: 0, hw: 0 };
  const parts = env.kernel.outputs.map((_, k) => {
    const len = env.outputShape(k)[axis];
    const part = { y: env.output(k), run: env.count([len, ...inner]), offset: env.count([start, ...inner]) };
    start = addDims(start, len);
    return part;
  });
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
