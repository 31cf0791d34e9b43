import { normalizeAxis } from "../../shared/data-movement.js";
import { stridesOf } from "./support/axes.js";
import { shapeSpec } from "./support/shapes.js";
import type { KernelGenerator } from "./types.js";

/**
 * Mean over the given axes (input 1 folded to const_input_1, or the `axes` attribute of older
 * opsets; none means all, or nothing with noop_with_empty_axes). Each output sums its group in
 * the input's flat order, as the reference does.
 */
const reduceMean: KernelGenerator = (env) => {
  const xs = env.inputShape(0);
  const rank = xs.length;
  const given = env.constInts(1) ?? env.ints("axes", []);
  const axes =
    given.length > 0
      ? given.map((a) => normalizeAxis(env, a, rank, "reduced axis"))
      : env.int("noop_with_empty_axes", 0) === 1
        ? []
        : xs.map((_, k) => k);
  const x = env.input(0, "x");
  const y = env.output(0, "y");
  const strides = stridesOf(env, xs, "s");
  const kept = xs.map((_, k) => k).filter((k) => !axes.includes(k));
  const reduced = xs.map((_, k) => k).filter((k) => axes.includes(k));
  const extent = (k: number) => env.dim(xs[k], `n${k}`);
  const count = reduced.length
    ? env.count(
        reduced.map((k) => xs[k]),
        "R",
      )
    : "1";
  const extents = new Map(xs.map((_, k) => [k, extent(k)]));
  const term = (k: number) => (strides[k] === "1" ? `i${k}` : `i${k} * ${strides[k]}`);
  return {
    spec: `reduce_mean_${shapeSpec(xs)}_a${[...axes].sort((a, b) => a - b).join("")}`,
    body: (w) => {
      w.line(`var ${["o = 0", "acc", ...xs.map((_, k) => `i${k}`)].join(", ")};`);
      const inner = (r: number) => {
        if (r === reduced.length) {
          w.line(`acc += ${x}[${xs.map((_, k) => term(k)).join(" + ") || "0"}];`);
          return;
        }
        const k = reduced[r];
        w.block(`for (i${k} = 0; i${k} < ${extents.get(k)}; i${k}++)`, () => inner(r + 1));
      };
      const outer = (q: number) => {
        if (q === kept.length) {
          w.line("acc = 0;");
          inner(0);
          w.line(`${y}[o++] = acc / ${count};`);
          return;
        }
        const k = kept[q];
        w.block(`for (i${k} = 0; i${k} < ${extents.get(k)}; i${k}++)`, () => outer(q + 1));
      };
      outer(0);
    },
  };
};

export default reduceMean;
