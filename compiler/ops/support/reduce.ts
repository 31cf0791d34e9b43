import type { Dim } from "../../ir/graph.js";
import { type Shape, sizeOf, stridesOf, Tensor } from "../../ir/tensor.js";
import { defineOp, type OpContext, type OpDef } from "../define.js";
import { attrOrInput, normalizeAxes } from "./axes.js";

/** How one Reduce* op folds the values of a reduced group into one. */
export interface Reducer {
  readonly init: number;
  readonly step: (acc: number, v: number) => number;
  /** Turns the accumulator into the result, given how many values went in. */
  readonly finish?: (acc: number, count: number) => number;
}

/**
 * Which axes to reduce: all of them, none (noop_with_empty_axes with no axes), or a list; undefined
 * when the axes come from an input whose value is not known at compile time.
 */
function reducedAxes(
  rank: number,
  axesInput: Parameters<typeof attrOrInput>[3],
  inputSince: number,
  ctx: OpContext,
  axesGiven: boolean,
): number[] | undefined {
  const raw = attrOrInput(ctx, "axes", inputSince, axesInput);
  if (!raw && ctx.opset >= inputSince && axesGiven) return undefined;
  if (!raw || raw.length === 0) {
    return ctx.opset >= inputSince && ctx.attrs.int("noop_with_empty_axes", 0) === 1 ? [] : [...Array(rank).keys()];
  }
  return normalizeAxes(raw, rank, ctx);
}

function reduceTensor(x: Tensor, axes: readonly number[], keepdims: boolean, r: Reducer): Tensor {
  const reduced = new Set(axes);
  const kept: Shape = x.shape.map((d, k) => (reduced.has(k) ? 1 : d));
  const outStrides = stridesOf(kept).map((s, k) => (reduced.has(k) ? 0 : s));
  const acc = new Float64Array(sizeOf(kept)).fill(r.init);
  const v = x.values;
  const rank = x.rank;
  const idx = new Array<number>(rank).fill(0);
  let o = 0;
  for (let i = 0; i < v.length; i++) {
    acc[o] = r.step(acc[o], v[i]);
    for (let k = rank - 1; k >= 0; k--) {
      o += outStrides[k];
      if (++idx[k] < x.shape[k]) break;
      o -= outStrides[k] * x.shape[k];
      idx[k] = 0;
    }
  }
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  const shape = keepdims ? kept : x.shape.filter((_, k) => !reduced.has(k));
  const out = Tensor.zeros(x.dtype, shape);
  const o2 = out.values;
  for (let i = 0; i < acc.length; i++) o2[i] = r.finish ? r.finish(acc[i], count) : acc[i];
  return out;
}

/**
 * A Reduce* op. Axes are an attribute before opset `axesInputSince` and an optional input from it on,
 * where noop_with_empty_axes also appears.
 */
export function reduceOp(type: string, axesInputSince: number, r: Reducer): OpDef {
  return defineOp({
    type,
    since: 1,
    inputs: [1, 2],
    shape: ([x], ctx) => {
      if (!x?.shape) return [{ dtype: x?.dtype }];
      const shape = x.shape;
      const keepdims = ctx.attrs.int("keepdims", 1) === 1;
      const axes = reducedAxes(shape.length, ctx.constant(1), axesInputSince, ctx, !!ctx.node.inputs[1]);
      if (!axes) return [{ dtype: x.dtype, shape: keepdims ? shape.map(() => null) : undefined }];
      const out: Dim[] = keepdims
        ? shape.map((d, k) => (axes.includes(k) ? 1 : d))
        : shape.filter((_, k) => !axes.includes(k));
      return [{ dtype: x.dtype, shape: out }];
    },
    evaluate: ([x, axesInput], ctx) => {
      if (!x) throw ctx.error("missing input 'data'");
      const axes = reducedAxes(x.rank, axesInput, axesInputSince, ctx, false) ?? [];
      return [reduceTensor(x, axes, ctx.attrs.int("keepdims", 1) === 1, r)];
    },
  });
}
