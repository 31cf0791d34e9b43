import { shapeSpec } from "../../../shared/broadcast.js";
import { reducedAxes } from "../../../shared/reduce-axes.js";
import type { Ex } from "../../binaryen.js";
import type { Fn, Local } from "../../dsl.js";
import type { WasmKernelGenerator } from "../types.js";
import { stridesOf } from "./strided.js";

/** How a Reduce* kernel folds a group in f64, as the js target's kernels do (support/reduce.ts there). */
export interface Reduction {
  readonly init: number;
  /** The accumulator after value `v` (both f64 locals). */
  readonly step: (f: Fn, acc: Local, v: Local) => Ex;
  /** The result from the accumulator and the group's size (an i32), default the accumulator. */
  readonly finish?: (f: Fn, acc: Ex, count: Ex) => Ex;
}

/**
 * A reduction over the given axes (none means all, or nothing with noop_with_empty_axes), or over
 * `axes(rank)` where the op fixes them (GlobalMaxPool): each output folds its group in f64 in the
 * input's flat order from `init`, bit-identical to the js target; the store rounds to float32.
 */
export function reduceKernel(
  name: string,
  reduction: Reduction,
  axesOf?: (rank: number) => number[],
): WasmKernelGenerator {
  return (env) => {
    const xs = env.inputShape(0);
    const rank = xs.length;
    const axes = axesOf ? axesOf(rank) : reducedAxes(env, rank);
    const x = env.input(0);
    const y = env.output(0);
    const strides = stridesOf(env, xs);
    const kept = xs.map((_, k) => k).filter((k) => !axes.includes(k));
    const reduced = xs.map((_, k) => k).filter((k) => axes.includes(k));
    const extents = xs.map((d) => env.dim(d));
    const f = env.fn;
    const m = f.m;
    const count = reduced.length ? env.count(reduced.map((k) => xs[k])) : () => f.i32(1);
    const counters = xs.map(() => f.i32Local());
    const o = f.i32Local();
    const acc = f.f64Local();
    const v = f.f64Local();
    const index = (): Ex => f.add(f.i32(0), ...xs.map((_, k) => m.i32.mul(counters[k].get(), strides[k]())));
    const inner = (r: number): Ex[] => {
      if (r === reduced.length) return [v.set(f.loadF(x, index())), acc.set(reduction.step(f, acc, v))];
      const k = reduced[r];
      return [f.for(counters[k], f.i32(0), extents[k], inner(r + 1))];
    };
    const outer = (q: number): Ex[] => {
      if (q === kept.length) {
        const result = reduction.finish ? reduction.finish(f, acc.get(), count()) : acc.get();
        return [
          acc.set(f.f64(reduction.init)),
          ...inner(0),
          f.storeF(y, o.get(), result),
          o.set(f.add(o.get(), f.i32(1))),
        ];
      }
      const k = kept[q];
      return [f.for(counters[k], f.i32(0), extents[k], outer(q + 1))];
    };
    return {
      spec: `${name}_${shapeSpec(xs)}_a${[...axes].sort((p, q) => p - q).join("")}`,
      body: [o.set(f.i32(0)), ...outer(0)],
    };
  };
}
