import type { DType } from "../../ir/dtype.js";
import type { Dim } from "../../ir/graph.js";
import { type Shape, sizeOf } from "../../ir/tensor.js";
import { broadcastDims, broadcastIndexer, broadcastShapes } from "./broadcast.js";

/**
 * numpy.matmul over plain numbers: batch dims broadcast, a 1-d left operand is a row and a 1-d right
 * operand a column, each dropped from the result. Each output starts at +0 and adds its products
 * for k ascending.
 */

/**
 * How a dot product rounds. "float32": every product and every partial sum rounds to float32 (the
 * float ops, as DESIGN.md's Numerics says, so that f32x4 kernels reproduce it). "exact": float64
 * sums, exact for integer operands while sums stay below 2^53 (integer MatMul), rounded once by
 * the caller's output array.
 */
export type DotRounding = "float32" | "exact";

/** float32 operands sum in float32 (as Conv does); integers, float64 and the 16-bit floats keep exact sums. */
export function dotRoundingOf(dtype: DType): DotRounding {
  return dtype === "float32" ? "float32" : "exact";
}

/** The result dims; throws error(reason) when the operands do not fit. */
export function matmulDims(a: readonly Dim[], b: readonly Dim[], error: (what: string) => Error): Dim[] {
  if (a.length === 0 || b.length === 0) throw error("matmul operands must have rank at least 1");
  const a2 = a.length === 1 ? [1, a[0]] : a;
  const b2 = b.length === 1 ? [b[0], 1] : b;
  const k1 = a2[a2.length - 1];
  const k2 = b2[b2.length - 2];
  if (typeof k1 === "number" && typeof k2 === "number" && k1 !== k2) {
    throw error(`matmul inner dims differ: [${a}] x [${b}]`);
  }
  const batch = broadcastDims([a2.slice(0, -2), b2.slice(0, -2)]);
  if (!batch) throw error(`matmul batch dims of [${a}] and [${b}] do not broadcast`);
  return [...batch, ...(a.length === 1 ? [] : [a2[a2.length - 2]]), ...(b.length === 1 ? [] : [b2[b2.length - 1]])];
}

export function matmulFloat(
  a: ArrayLike<number>,
  aShape: Shape,
  b: ArrayLike<number>,
  bShape: Shape,
  rounding: DotRounding,
  error: (what: string) => Error,
): { shape: number[]; data: Float64Array } {
  const shape = matmulDims(aShape, bShape, error) as number[];
  const a2 = aShape.length === 1 ? [1, aShape[0]] : aShape;
  const b2 = bShape.length === 1 ? [bShape[0], 1] : bShape;
  const m = a2[a2.length - 2];
  const k = a2[a2.length - 1];
  const n = b2[b2.length - 1];
  const aBatch = a2.slice(0, -2);
  const bBatch = b2.slice(0, -2);
  const batch = broadcastShapes([aBatch, bBatch]) ?? [];
  const ia = broadcastIndexer(aBatch, batch);
  const ib = broadcastIndexer(bBatch, batch);
  const count = sizeOf(batch);
  const data = new Float64Array(count * m * n);
  const f32 = Math.fround;
  for (let t = 0; t < count; t++) {
    const aBase = ia(t) * m * k;
    const bBase = ib(t) * k * n;
    const oBase = t * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        if (rounding === "float32") {
          for (let p = 0; p < k; p++) acc = f32(acc + f32(a[aBase + i * k + p] * b[bBase + p * n + j]));
        } else {
          for (let p = 0; p < k; p++) acc += a[aBase + i * k + p] * b[bBase + p * n + j];
        }
        data[oBase + i * n + j] = acc;
      }
    }
  }
  return { shape, data };
}
