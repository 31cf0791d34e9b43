import type { Tensor } from "../../ir/tensor.js";
import { defineOp, type OpContext } from "../define.js";
import { resizedTensor, resizeFloat } from "../support/resize.js";
import { legacyResizeOptions } from "./Resize.js";

/** The scales: the attribute before opset 9, the second input from it. */
function scalesOf(ctx: OpContext, input: Tensor | undefined, rank: number): readonly number[] {
  const scales = ctx.opset < 9 ? ctx.attrs.floats("scales") : input?.toNumbers();
  if (!scales || scales.length !== rank)
    throw ctx.error(`'scales' has ${scales?.length ?? 0} values, expected ${rank}`);
  if (scales.some((s) => !(s >= 1))) throw ctx.error(`'scales' [${scales}] must be at least 1`);
  return scales;
}

/**
 * Upsample (deprecated by Resize at opset 10; PyTorch exports nn.Upsample as it at opset 9): each
 * output size floor(in * scale), sampled as Resize-10 samples (x_in = x_out / scale, nearest taking
 * the floor), in mode nearest or linear.
 */
export default defineOp({
  type: "Upsample",
  since: 7,
  until: 9,
  inputs: [1, 2],
  shape: ([x], ctx) => {
    if (!x?.shape) return [{ dtype: x?.dtype }];
    const input = ctx.opset < 9 ? undefined : ctx.constant(1);
    if ((ctx.opset >= 9 && !input) || x.shape.some((d) => typeof d !== "number")) {
      return [{ dtype: x.dtype, shape: x.shape.map(() => null) }];
    }
    const scales = scalesOf(ctx, input, x.shape.length);
    return [{ dtype: x.dtype, shape: x.shape.map((d, i) => Math.floor((d as number) * scales[i])) }];
  },
  evaluate: ([x, scalesIn], ctx) => {
    if (!x) throw ctx.error("missing input X");
    const mode = ctx.attrs.oneOf("mode", ["nearest", "linear"] as const, "nearest");
    const scales = scalesOf(ctx, scalesIn, x.rank);
    const outShape = x.shape.map((d, i) => Math.floor(d * scales[i]));
    const roi = [...new Array<number>(x.rank).fill(0), ...new Array<number>(x.rank).fill(1)];
    const out = resizeFloat(x.values, x.shape, outShape, scales, roi, legacyResizeOptions(mode));
    return [resizedTensor(x.dtype, outShape, out)];
  },
});
