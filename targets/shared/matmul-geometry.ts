import { broadcastIndexer, broadcastShapes } from "../../compiler/ops/support/broadcast.js";
import { isStatic, type SymDim, type SymShape } from "../../compiler/plan/kernel-plan.js";
import { shapeSpec } from "./broadcast.js";
import type { KernelFacts } from "./kernel-params.js";
import { ONE, productDim, sameDim } from "./sym.js";

/**
 * numpy.matmul's operands as rank >= 2 shapes (a 1-d left operand is a row, a 1-d right one a
 * column), their matrix dims, and the batch dims of each operand and of the output.
 */
export function matmulShapes(env: KernelFacts) {
  const as = env.inputShape(0);
  const bs = env.inputShape(1);
  if (as.length === 0 || bs.length === 0) throw env.error("matmul operands must have rank at least 1");
  const a2 = as.length === 1 ? [ONE, as[0]] : as;
  const b2 = bs.length === 1 ? [bs[0], ONE] : bs;
  const [M, K] = a2.slice(-2);
  const [K2, N] = b2.slice(-2);
  if (!sameDim(K, K2)) throw env.error(`inner dims differ: [${shapeSpec(as)}] x [${shapeSpec(bs)}]`);
  return {
    as,
    bs,
    M,
    K,
    N,
    batches: [a2.slice(0, -2), b2.slice(0, -2)],
    batchOut: env.outputShape(0).slice(0, Math.max(a2.length, b2.length) - 2),
  };
}

/** A qmc.QMatMul Y = X @ W: W [K, N], X's leading dims are the `rows`. */
export function xwGeometry(env: KernelFacts, xs: SymShape, ws: SymShape): { K: number; N: number; rows: SymDim } {
  if (ws.length !== 2) throw env.error(`weights have shape rank ${ws.length}; X @ W needs a 2-D weight [K, N]`);
  const K = env.staticDim(ws[0], "the inner dimension");
  const N = env.staticDim(ws[1], "the output width");
  const rows = productDim(xs.slice(0, -1));
  if (!rows) throw env.error("the row count is not a polynomial in h and w");
  return { K, N, rows };
}

/**
 * A qmc.QMatMul Y = W @ X: W [..., M, K] broadcast against X [..., K, L] over static batch dims (as
 * SS2D's x_proj and dt_proj); for each of the `count` output batches, the weight's and X's batch index.
 */
export function wxGeometry(env: KernelFacts, xs: SymShape, ws: SymShape) {
  if (ws.length < 2 || xs.length < 2) throw env.error("W @ X needs operands of rank >= 2");
  const M = env.staticDim(ws[ws.length - 2], "the weight rows");
  const K = env.staticDim(ws[ws.length - 1], "the inner dimension");
  const wBatch = ws.slice(0, -2).map((d) => env.staticDim(d, "a weight batch dim"));
  if (!xs.slice(0, -2).every(isStatic)) throw env.error("the activation's batch dims depend on the input size");
  const xBatch = xs.slice(0, -2).map((d) => d.c);
  const batch = broadcastShapes([wBatch, xBatch]);
  if (!batch) throw env.error(`batch dims [${wBatch}] and [${xBatch}] do not broadcast`);
  return {
    M,
    K,
    wBatch,
    count: batch.reduce((a, b) => a * b, 1),
    wi: broadcastIndexer(wBatch, batch),
    xi: broadcastIndexer(xBatch, batch),
  };
}
