import type { Dim } from "../../ir/graph.js";
import { stridesOf, type Tensor } from "../../ir/tensor.js";
import { defineOp, type OpContext } from "../define.js";
import { intList, normalizeAxes } from "../support/axes.js";
import { copyView } from "../support/strided.js";

interface SliceSpec {
  readonly starts: number[];
  readonly ends: number[];
  readonly axes: number[];
  readonly steps: number[];
}

/** Opset 1-9 take starts/ends/axes as attributes; from 10 they (and steps) are inputs 1-4. */
function sliceSpec(rank: number, operands: readonly (Tensor | undefined)[], ctx: OpContext): SliceSpec | undefined {
  const fromInputs = ctx.opset >= 10;
  const starts = fromInputs ? intList(operands[1]) : [...ctx.attrs.ints("starts")];
  const ends = fromInputs ? intList(operands[2]) : [...ctx.attrs.ints("ends")];
  if (!starts || !ends) return undefined;
  const rawAxes = fromInputs ? intList(operands[3]) : ctx.attrs.has("axes") ? [...ctx.attrs.ints("axes")] : undefined;
  const axes = normalizeAxes(rawAxes ?? [...starts.keys()], rank, ctx);
  const steps = (fromInputs ? intList(operands[4]) : undefined) ?? starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    throw ctx.error(
      `starts, ends, axes and steps have ${starts.length}, ${ends.length}, ${axes.length} and ${steps.length} entries; expected equal counts`,
    );
  }
  if (steps.includes(0)) throw ctx.error(`steps [${steps}] contain 0`);
  return { starts, ends, axes, steps };
}

/** Clamps start/end as ONNX does (negative counts from the end; reversed slices may end at -1). */
function clampRange(start: number, end: number, step: number, dim: number): { start: number; length: number } {
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  let s = start < 0 ? start + dim : start;
  let e = end < 0 ? end + dim : end;
  if (step > 0) {
    s = clamp(s, 0, dim);
    e = clamp(e, 0, dim);
  } else {
    s = clamp(s, 0, dim - 1);
    e = clamp(e, -1, dim - 1);
  }
  return { start: s, length: Math.max(0, Math.ceil((e - s) / step)) };
}

export default defineOp({
  type: "Slice",
  since: 1,
  inputs: [1, 5],
  shape: ([x], ctx) => {
    if (!x?.shape) return [{ dtype: x?.dtype }];
    const shape = x.shape;
    const spec = sliceSpec(
      shape.length,
      [undefined, ctx.constant(1), ctx.constant(2), ctx.constant(3), ctx.constant(4)],
      ctx,
    );
    if (!spec) return [{ dtype: x.dtype, shape: shape.map(() => null) }];
    const out: Dim[] = [...shape];
    spec.axes.forEach((a, i) => {
      const d = shape[a];
      out[a] = typeof d === "number" ? clampRange(spec.starts[i], spec.ends[i], spec.steps[i], d).length : null;
    });
    return [{ dtype: x.dtype, shape: out }];
  },
  evaluate: (inputs, ctx) => {
    const x = inputs[0];
    if (!x) throw ctx.error("missing input 'data'");
    const spec = sliceSpec(x.rank, inputs, ctx);
    if (!spec) throw ctx.error("missing 'starts' or 'ends'");
    const base = stridesOf(x.shape);
    const shape = [...x.shape];
    const strides = [...base];
    let offset = 0;
    spec.axes.forEach((a, i) => {
      const r = clampRange(spec.starts[i], spec.ends[i], spec.steps[i], x.shape[a]);
      shape[a] = r.length;
      strides[a] = base[a] * spec.steps[i];
      if (r.length > 0) offset += r.start * base[a];
    });
    return [copyView(x, { shape, strides, offset })];
  },
});
