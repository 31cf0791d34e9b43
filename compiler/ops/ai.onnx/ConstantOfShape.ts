import type { NumericArray } from "../../ir/dtype.js";
import type { Dim } from "../../ir/graph.js";
import { Tensor } from "../../ir/tensor.js";
import { defineOp, type OpContext } from "../define.js";

function fill(ctx: OpContext): Tensor {
  const v = ctx.attrs.tensor("value", Tensor.scalar("float32", 0));
  if (v.size !== 1) throw ctx.error(`attribute 'value' has ${v.size} elements, expected one`);
  return v;
}

function dims(shape: Tensor, ctx: OpContext): number[] {
  if (shape.dtype !== "int64") throw ctx.error(`input is ${shape.dtype}, expected int64`);
  if (shape.rank !== 1) throw ctx.error(`input has shape [${shape.shape}], expected a 1-D shape`);
  const d = shape.toNumbers();
  if (d.some((n) => n < 0)) throw ctx.error(`shape [${d}] has a negative dimension`);
  return d;
}

export default defineOp({
  type: "ConstantOfShape",
  since: 9,
  inputs: [1, 1],
  shape: ([s], ctx) => {
    const dtype = fill(ctx).dtype;
    const known = ctx.constant(0);
    if (known) return [{ dtype, shape: dims(known, ctx) }];
    const rank = s?.shape?.[0];
    return [{ dtype, shape: typeof rank === "number" ? new Array<Dim>(rank).fill(null) : undefined }];
  },
  evaluate: ([s], ctx) => {
    if (!s) throw ctx.error("missing input");
    const v = fill(ctx);
    const shape = dims(s, ctx);
    const out = Tensor.zeros(v.dtype, shape);
    if (v.dtype === "string") (out.data as string[]).fill((v.data as string[])[0]);
    else (out.data as NumericArray).fill(v.item());
    return [out];
  },
});
