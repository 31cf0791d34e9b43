import type { Dim } from "../../ir/graph.js";
import { defineOp } from "../define.js";
import { attrOrInput, normalizeAxes } from "../support/axes.js";

/** Axes index the output, whose rank is the input's plus one per axis. */
function insertOnes<D extends Dim>(
  shape: readonly D[],
  raw: readonly number[],
  ctx: Parameters<typeof normalizeAxes>[2],
) {
  const rank = shape.length + raw.length;
  const axes = new Set(normalizeAxes(raw, rank, ctx));
  const out: (D | 1)[] = [];
  let j = 0;
  for (let k = 0; k < rank; k++) out.push(axes.has(k) ? 1 : shape[j++]);
  return out;
}

export default defineOp({
  type: "Unsqueeze",
  since: 1,
  inputs: [1, 2],
  shape: ([x, axesInput], ctx) => {
    const raw = attrOrInput(ctx, "axes", 13, ctx.constant(1));
    if (!x?.shape) return [{ dtype: x?.dtype }];
    if (!raw) {
      // Run-time axes still fix the rank; which dims are the new ones is unknown.
      const added = axesInput?.shape?.[0];
      return [
        { dtype: x.dtype, shape: typeof added === "number" ? new Array(x.shape.length + added).fill(null) : undefined },
      ];
    }
    return [{ dtype: x.dtype, shape: insertOnes(x.shape, raw, ctx) }];
  },
  evaluate: ([x, axesInput], ctx) => {
    if (!x) throw ctx.error("missing input 'data'");
    const raw = attrOrInput(ctx, "axes", 13, axesInput);
    if (!raw) throw ctx.error("missing 'axes'");
    return [x.reshape(insertOnes(x.shape, raw, ctx))];
  },
});
