import { Tensor } from "../../ir/tensor.js";
import { defineOp, type OpContext } from "../define.js";

/** The [start, end) window of dims to report (opset 15): negative counts from the back, then clamped. */
function window(rank: number, ctx: OpContext): [number, number] {
  if (ctx.opset < 15) return [0, rank];
  const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + rank : i, 0), rank);
  return [clamp(ctx.attrs.int("start", 0)), clamp(ctx.attrs.int("end", rank))];
}

export default defineOp({
  type: "Shape",
  since: 1,
  inputs: [1, 1],
  shape: ([x], ctx) => {
    if (!x?.shape) return [{ dtype: "int64", shape: [null] }];
    const [start, end] = window(x.shape.length, ctx);
    return [{ dtype: "int64", shape: [Math.max(end - start, 0)] }];
  },
  evaluate: ([x], ctx) => {
    if (!x) throw ctx.error("missing input");
    const [start, end] = window(x.rank, ctx);
    const dims = x.shape.slice(start, Math.max(start, end));
    return [Tensor.from("int64", [dims.length], dims)];
  },
});
