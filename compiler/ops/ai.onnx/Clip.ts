import { allocate, integerRange, type NumericArray } from "../../ir/dtype.js";
import { Tensor } from "../../ir/tensor.js";
import { defineOp, type EvalContext } from "../define.js";

/** The bounds: attributes before opset 11, optional scalar inputs from then on; absent ones are the type's range. */
function bounds(min: Tensor | undefined, max: Tensor | undefined, x: Tensor, ctx: EvalContext): [number, number] {
  const [lowest, highest] = integerRange(x.dtype) ?? [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  if (ctx.opset < 11) return [ctx.attrs.float("min", lowest), ctx.attrs.float("max", highest)];
  const scalar = (t: Tensor | undefined, name: string, fallback: number) => {
    if (!t) return fallback;
    if (t.size !== 1) throw ctx.error(`input '${name}' has shape [${t.shape}], expected a scalar`);
    if (t.dtype !== x.dtype) throw ctx.error(`input '${name}' is ${t.dtype}, expected ${x.dtype} like the input`);
    return t.item();
  };
  return [scalar(min, "min", lowest), scalar(max, "max", highest)];
}

export default defineOp({
  type: "Clip",
  since: 6,
  inputs: [1, 3],
  shape: ([x]) => [{ dtype: x?.dtype, shape: x?.shape }],
  evaluate: ([x, min, max], ctx) => {
    if (!x) throw ctx.error("missing input");
    const [lo, hi] = bounds(min, max, x, ctx);
    const v = x.values;
    const out = allocate(x.dtype, x.size) as NumericArray;
    // min is applied first, so min > max gives max everywhere, as the spec says.
    for (let i = 0; i < v.length; i++) out[i] = Math.min(Math.max(v[i], lo), hi);
    return [new Tensor(x.dtype, x.shape, out)];
  },
});
