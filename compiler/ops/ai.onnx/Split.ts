import type { Tensor } from "../../ir/tensor.js";
import { defineOp, type OpContext } from "../define.js";
import { intList, normalizeAxis } from "../support/axes.js";
import { sliceAxis } from "../support/strided.js";

/**
 * The part sizes along the axis. Explicit sizes came as input 1 in opset 1, an attribute in 2-12 and
 * input 1 again from 13; without them the axis is split evenly into as many parts as outputs, or
 * (opset 18) into num_outputs parts of ceil(dim / n) with a smaller last part.
 */
function partSizes(dim: number | null, splitInput: Tensor | undefined, ctx: OpContext): (number | null)[] {
  const explicit =
    ctx.opset >= 13 || (ctx.opset === 1 && splitInput)
      ? intList(splitInput)
      : ctx.attrs.has("split")
        ? [...ctx.attrs.ints("split")]
        : undefined;
  const outputs = ctx.node.outputs.length;
  if (explicit) {
    if (ctx.attrs.has("num_outputs")) throw ctx.error("both 'split' and 'num_outputs' are given; expected one");
    if (explicit.length !== outputs) throw ctx.error(`'split' has ${explicit.length} sizes for ${outputs} outputs`);
    if (explicit.some((s) => s < 0)) throw ctx.error(`'split' [${explicit}] has a negative size`);
    const sum = explicit.reduce((a, b) => a + b, 0);
    if (dim !== null && sum !== dim) throw ctx.error(`'split' [${explicit}] sums to ${sum}, but the axis has ${dim}`);
    return explicit;
  }
  if (ctx.opset >= 18) {
    const n = ctx.attrs.int("num_outputs");
    if (n !== outputs) throw ctx.error(`attribute 'num_outputs' is ${n}, but the node has ${outputs} outputs`);
    if (dim === null) return new Array(n).fill(null);
    const chunk = Math.ceil(dim / n);
    return Array.from({ length: n }, (_, k) => Math.max(0, Math.min(chunk, dim - k * chunk)));
  }
  if (dim === null) return new Array(outputs).fill(null);
  if (dim % outputs !== 0) throw ctx.error(`axis of size ${dim} does not split evenly into ${outputs} parts`);
  return new Array(outputs).fill(dim / outputs);
}

export default defineOp({
  type: "Split",
  since: 1,
  inputs: [1, 2],
  shape: ([x], ctx) => {
    if (!x?.shape) return ctx.node.outputs.map(() => ({ dtype: x?.dtype }));
    const shape = x.shape;
    const axis = normalizeAxis(ctx.attrs.int("axis", 0), shape.length, ctx);
    const d = shape[axis];
    const split = ctx.constant(1);
    // A split input whose value is only known at run time leaves the part sizes unknown.
    if (ctx.node.inputs[1] && !split && (ctx.opset >= 13 || ctx.opset === 1)) {
      return ctx.node.outputs.map(() => ({ dtype: x.dtype, shape: shape.map((e, k) => (k === axis ? null : e)) }));
    }
    const sizes = partSizes(typeof d === "number" ? d : null, split, ctx);
    return sizes.map((s) => ({ dtype: x.dtype, shape: shape.map((e, k) => (k === axis ? s : e)) }));
  },
  evaluate: ([x, split], ctx) => {
    if (!x) throw ctx.error("missing input");
    const axis = normalizeAxis(ctx.attrs.int("axis", 0), x.rank, ctx);
    const sizes = partSizes(x.shape[axis], split, ctx) as number[];
    let start = 0;
    return sizes.map((s) => {
      const part = sliceAxis(x, axis, start, s);
      start += s;
      return part;
    });
  },
});
