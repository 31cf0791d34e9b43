import type { WasmKernelEnv } from "../types.js";

/** An axis in [-rank, rank) made non-negative, or an error naming the param. */
export function normalizeAxis(env: WasmKernelEnv, axis: number, rank: number, what = "axis"): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw env.error(`${what} ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}
