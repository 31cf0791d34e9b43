import { allocate, type DType, type NumericArray } from "../../ir/dtype.js";
import type { Dim, Graph, TypeInfo } from "../../ir/graph.js";
import { sizeOf, Tensor } from "../../ir/tensor.js";
import type { OpContext } from "../define.js";

/**
 * Slicing and stacking along one axis, and subgraph-typing helpers, for the control-flow ops
 * (Loop's scan outputs, Scan's inputs and outputs, If's branch outputs).
 */

/** The sub-tensor at `index` along `axis`, with that axis removed. */
export function sliceAlong(t: Tensor, axis: number, index: number): Tensor {
  const outer = sizeOf(t.shape.slice(0, axis));
  const n = t.shape[axis];
  const inner = sizeOf(t.shape.slice(axis + 1));
  const src = t.values;
  const out = allocate(t.dtype, outer * inner) as NumericArray;
  for (let o = 0; o < outer; o++) {
    const from = (o * n + index) * inner;
    out.set(src.subarray(from, from + inner), o * inner);
  }
  return new Tensor(t.dtype, [...t.shape.slice(0, axis), ...t.shape.slice(axis + 1)], out);
}

/**
 * Stacks equally shaped tensors along a new axis `axis`; `elementShape` and `dtype` give the result's
 * type when there is nothing to stack (a loop that ran zero times).
 */
export function stackAlong(
  parts: readonly Tensor[],
  axis: number,
  dtype: DType,
  elementShape: readonly number[],
  what: string,
  ctx: OpContext,
): Tensor {
  const shape = parts[0]?.shape ?? elementShape;
  for (const p of parts) {
    if (p.shape.join() !== shape.join() || p.dtype !== parts[0].dtype) {
      throw ctx.error(`${what} changes from ${parts[0].dtype}[${shape}] to ${p.dtype}[${p.shape}] between iterations`);
    }
  }
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis));
  const n = parts.length;
  const out = allocate(parts[0]?.dtype ?? dtype, outer * n * inner) as NumericArray;
  parts.forEach((p, k) => {
    const src = p.values;
    for (let o = 0; o < outer; o++) out.set(src.subarray(o * inner, (o + 1) * inner), (o * n + k) * inner);
  });
  return new Tensor(parts[0]?.dtype ?? dtype, [...shape.slice(0, axis), n, ...shape.slice(axis)], out);
}

/** A subgraph output's declared concrete shape, or [] when it is not fully known. */
export function declaredShape(graph: Graph, output: number): number[] {
  const shape = graph.outputs[output]?.type.shape;
  return shape?.every((d) => typeof d === "number") ? (shape as number[]) : [];
}

/** A normalized axis in [0, rank), or an error naming the attribute. */
export function normalizeAxis(axis: number, rank: number, what: string, ctx: OpContext): number {
  if (axis < -rank || axis >= rank) throw ctx.error(`${what} ${axis} is out of range for rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

/** The type of a value that differs between two sources: dims that disagree become unknown. */
export function mergeTypes(a: TypeInfo | undefined, b: TypeInfo | undefined): TypeInfo {
  if (!a || !b) return a ?? b ?? {};
  const shape =
    a.shape && b.shape && a.shape.length === b.shape.length
      ? a.shape.map((d, i): Dim => (d === b.shape?.[i] ? d : null))
      : undefined;
  return { dtype: a.dtype ?? b.dtype, shape };
}

/** A boolean condition tensor's value: it must hold exactly one element. */
export function conditionValue(t: Tensor, what: string, ctx: OpContext): boolean {
  if (t.size !== 1) throw ctx.error(`${what} has shape [${t.shape}], expected a single element`);
  return t.item() !== 0;
}
