import { reducedAxes } from "../../../shared/reduce-axes.js";
import type { KernelGenerator } from "../types.js";
import { stridesOf } from "./axes.js";
import { shapeSpec } from "./shapes.js";

/** How a Reduce* kernel folds a group, as ES5 text over the float64 accumulator `acc`. */
export interface Reduction {
  /** The accumulator's first value, an ES5 literal. */
  readonly init: string;
  /** The accumulator after value `v`. */
  readonly step: (acc: string, v: string) => string;
  /** The result from the accumulator and the group's size (default: the accumulator). */
  readonly finish?: (acc: string, count: string) => string;
}

/**
 * A reduction over the given axes (none means all, or nothing with noop_with_empty_axes), or over
 * `axes(rank)` where the op fixes them (GlobalMaxPool). Each output folds its group in float64 in
 * the input's flat order, from `init`, as the reference's reduceOp does; the store rounds to float32.
 */
export function reduceKernel(name: string, reduction: Reduction, axesOf?: (rank: number) => number[]): KernelGenerator {
  return (env) => {
    const xs = env.inputShape(0);
    const rank = xs.length;
    const axes = axesOf ? axesOf(rank) : reducedAxes(env, rank);
    const x = env.input(0, "x");
    const y = env.output(0, "y");
    const strides = stridesOf(env, xs, "s");
    const kept = xs.map((_, k) => k).filter((k) => !axes.includes(k));
    const reduced = xs.map((_, k) => k).filter((k) => axes.includes(k));
    const extents = new Map(xs.map((d, k) => [k, env.dim(d, `n${k}`)]));
    const count = reduced.length
      ? env.count(
          reduced.map((k) => xs[k]),
          "R",
        )
      : "1";
    const term = (k: number) => (strides[k] === "1" ? `i${k}` : `i${k} * ${strides[k]}`);
    return {
      spec: `${name}_${shapeSpec(xs)}_a${[...axes].sort((a, b) => a - b).join("")}`,
      body: (w) => {
        w.line(`var ${["o = 0", "acc", "v", ...xs.map((_, k) => `i${k}`)].join(", ")};`);
        const inner = (r: number) => {
          if (r === reduced.length) {
            w.line(`v = ${x}[${xs.map((_, k) => term(k)).join(" + ") || "0"}];`);
            w.line(`acc = ${reduction.step("acc", "v")};`);
            return;
          }
          const k = reduced[r];
          w.block(`for (i${k} = 0; i${k} < ${extents.get(k)}; i${k}++)`, () => inner(r + 1));
        };
        const outer = (q: number) => {
          if (q === kept.length) {
            w.line(`acc = ${reduction.init};`);
            inner(0);
            w.line(`${y}[o++] = ${reduction.finish ? reduction.finish("acc", count) : "acc"};`);
            return;
          }
          const k = kept[q];
          w.block(`for (i${k} = 0; i${k} < ${extents.get(k)}; i${k}++)`, () => outer(q + 1));
        };
        outer(0);
      },
    };
  };
}
