import { defineOp } from "../define.js";
import { attrOrInput, normalizeAxes } from "../support/axes.js";

export default defineOp({
  type: "Squeeze",
  since: 1,
  inputs: [1, 2],
  shape: ([x], ctx) => {
    if (!x?.shape) return [{ dtype: x?.dtype }];
    const shape = x.shape;
    const raw = attrOrInput(ctx, "axes", 13, ctx.constant(1));
    if (!raw) {
      if (ctx.opset >= 13 && ctx.node.inputs[1]) return [{ dtype: x.dtype }];
      // Without axes every 1 goes; an unknown dim might be 1, so the result rank is then unknown.
      if (shape.some((d) => typeof d !== "number")) return [{ dtype: x.dtype }];
      return [{ dtype: x.dtype, shape: shape.filter((d) => d !== 1) }];
    }
    const axes = normalizeAxes(raw, shape.length, ctx);
    for (const a of axes) {
      if (typeof shape[a] === "number" && shape[a] !== 1)
        throw ctx.error(`cannot squeeze axis ${a} of size ${shape[a]}`);
    }
    return [{ dtype: x.dtype, shape: shape.filter((_, k) => !axes.includes(k)) }];
  },
  evaluate: ([x, axesInput], ctx) => {
    if (!x) throw ctx.error("missing input 'data'");
    const raw = attrOrInput(ctx, "axes", 13, axesInput);
    const axes = raw ? normalizeAxes(raw, x.rank, ctx) : [...x.shape.keys()].filter((k) => x.shape[k] === 1);
    for (const a of axes) {
      if (x.shape[a] !== 1) throw ctx.error(`cannot squeeze axis ${a} of size ${x.shape[a]}`);
    }
    return [x.reshape(x.shape.filter((_, k) => !axes.includes(k)))];
  },
});
