import type { Dim } from "../../ir/graph.js";
import { sizeOf } from "../../ir/tensor.js";
import { defineOp, type OpContext } from "../define.js";
import { attrOrInput, dimProduct } from "../support/axes.js";

/**
 * The output shape for a requested shape: 0 copies the input's dim at that position (unless
 * allowzero, when it means a real 0), and one -1 takes whatever size is left.
 */
function resolveShape(input: readonly Dim[], requested: readonly number[], allowZero: boolean, ctx: OpContext): Dim[] {
  let inferred = -1;
  const out: Dim[] = requested.map((d, k) => {
    if (d === -1) {
      if (inferred >= 0) throw ctx.error(`shape [${requested}] has more than one -1`);
      inferred = k;
      return 1;
    }
    if (d === 0 && !allowZero) {
      if (k >= input.length)
        throw ctx.error(`shape [${requested}] copies dim ${k}, but the input has rank ${input.length}`);
      return input[k];
    }
    if (d < -1 || !Number.isInteger(d)) throw ctx.error(`shape [${requested}] has invalid dim ${d}`);
    return d;
  });
  if (allowZero && inferred >= 0 && requested.includes(0)) {
    throw ctx.error(`shape [${requested}] has both -1 and 0 while allowzero is set`);
  }
  const total = dimProduct(input);
  const known = dimProduct(out);
  if (typeof total === "number" && typeof known === "number") {
    if (inferred >= 0) {
      if (known === 0 || total % known !== 0) {
        throw ctx.error(`cannot reshape ${total} elements to [${requested}]`);
      }
      out[inferred] = total / known;
    } else if (known !== total) {
      throw ctx.error(`cannot reshape [${input}] (${total} elements) to [${out}] (${known} elements)`);
    }
  } else if (inferred >= 0) {
    out[inferred] = null;
  }
  return out;
}

function requestedShape(ctx: OpContext, input: Parameters<typeof attrOrInput>[3]): number[] | undefined {
  return attrOrInput(ctx, "shape", 5, input);
}

export default defineOp({
  type: "Reshape",
  since: 1,
  inputs: [1, 2],
  shape: ([x, shapeInput], ctx) => {
    const requested = requestedShape(ctx, ctx.constant(1));
    if (!requested) {
      // A run-time shape still fixes the rank: the length of the shape vector.
      const rank = shapeInput?.shape?.[0];
      return [{ dtype: x?.dtype, shape: typeof rank === "number" ? new Array(rank).fill(null) : undefined }];
    }
    if (!x?.shape) return [{ dtype: x?.dtype, shape: requested.every((d) => d > 0) ? requested : undefined }];
    return [{ dtype: x.dtype, shape: resolveShape(x.shape, requested, ctx.attrs.int("allowzero", 0) === 1, ctx) }];
  },
  evaluate: ([x, shape], ctx) => {
    if (!x) throw ctx.error("missing input 'data'");
    const requested = requestedShape(ctx, shape);
    if (!requested) throw ctx.error("missing the target shape");
    const out = resolveShape(x.shape, requested, ctx.attrs.int("allowzero", 0) === 1, ctx) as number[];
    if (sizeOf(out) !== x.size) throw ctx.error(`cannot reshape [${x.shape}] to [${out}]`);
    return [x.reshape(out)];
  },
});
