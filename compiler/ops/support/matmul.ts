import type { Dim } from "../../ir/graph.js";
import { type Shape, sizeOf } from "../../ir/tensor.js";
import { broadcastDims, broadcastIndexer, broadcastShapes } from "./broadcast.js";

/**
 * numpy.matmul over plain numbers, shared by MatMul and the integer matmuls (MatMulInteger /
 * QLinearMatMul subtract zero points first): batch dims broadcast, a 1-d left operand is a row and a
 * 1-d right operand a column, each dropped from the result. Sums accumulate in float64.
 */

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
  for (let t = 0; t < count; t++) {
    const aBase = ia(t) * m * k;
    const bBase = ib(t) * k * n;
    const oBase = t * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) acc += a[aBase + i * k + p] * b[bBase + p * n + j];
        data[oBase + i * n + j] = acc;
      }
    }
  }
  return { shape, data };
}
