import type { DType } from "../../ir/dtype.js";
import type { TypeInfo } from "../../ir/graph.js";
import { Tensor } from "../../ir/tensor.js";
import { defineOp, type OpContext, type OpDef } from "../define.js";
import { broadcastDims, broadcastIndexer, broadcastShapes } from "./broadcast.js";

/** Applies f elementwise over broadcast inputs, writing a tensor of type `dtype`. */
export function mapBroadcast(
  inputs: readonly Tensor[],
  dtype: DType,
  f: (...values: number[]) => number,
  ctx: OpContext,
): Tensor {
  const shape = broadcastShapes(inputs.map((t) => t.shape));
  if (!shape) {
    throw ctx.error(`input shapes ${inputs.map((t) => `[${t.shape}]`).join(", ")} do not broadcast`);
  }
  const out = Tensor.zeros(dtype, shape);
  const o = out.values;
  const idx = inputs.map((t) => broadcastIndexer(t.shape, shape));
  const vals = inputs.map((t) => t.values);
  if (inputs.length === 2) {
    const [a, b] = vals;
    const [ia, ib] = idx;
    for (let i = 0; i < o.length; i++) o[i] = f(a[ia(i)], b[ib(i)]);
  } else {
    const args = new Array<number>(inputs.length);
    for (let i = 0; i < o.length; i++) {
      for (let k = 0; k < args.length; k++) args[k] = vals[k][idx[k](i)];
      o[i] = f(...args);
    }
  }
  return out;
}

/** All inputs must share one element type (ONNX's T constraint); returns it. */
export function sameDType(inputs: readonly (Tensor | TypeInfo | undefined)[], ctx: OpContext): DType | undefined {
  let dtype: DType | undefined;
  inputs.forEach((t, i) => {
    if (!t?.dtype) return;
    if (dtype && t.dtype !== dtype) throw ctx.error(`input ${i} is ${t.dtype}, expected ${dtype} like input 0`);
    dtype ??= t.dtype;
  });
  return dtype;
}

export function broadcastShapeRule(inputs: readonly (TypeInfo | undefined)[], ctx: OpContext, dtype?: DType): TypeInfo {
  const shapes = inputs.filter((t) => t !== undefined).map((t) => t.shape);
  const outDType = dtype ?? sameDType(inputs, ctx);
  if (shapes.some((s) => s === undefined)) return { dtype: outDType };
  const shape = broadcastDims(shapes as NonNullable<TypeInfo["shape"]>[]);
  if (!shape) throw ctx.error(`input shapes ${shapes.map((s) => `[${s}]`).join(", ")} do not broadcast`);
  return { dtype: outDType, shape };
}

/** An op z = f(a, b) with numpy broadcasting and one element type for both inputs and the output. */
export function binaryOp(type: string, since: number, f: (a: number, b: number, dtype: DType) => number): OpDef {
  return defineOp({
    type,
    since,
    inputs: [2, 2],
    shape: (inputs, ctx) => [broadcastShapeRule(inputs, ctx)],
    evaluate: ([a, b], ctx) => {
      if (!a || !b) throw ctx.error("missing input");
      const dtype = sameDType([a, b], ctx) ?? a.dtype;
      return [mapBroadcast([a, b], dtype, (x, y) => f(x, y, dtype), ctx)];
    },
  });
}
