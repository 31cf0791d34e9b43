import type { SymDim, SymShape } from "../../../../compiler/plan/kernel-plan.js";
import type { KernelEnv } from "../types.js";

/** An axis in [-rank, rank) made non-negative, or an error naming the param. */
export function normalizeAxis(env: KernelEnv, axis: number, rank: number, what = "axis"): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw env.error(`${what} ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Row-major element strides of a shape, each as code. */
export function stridesOf(env: KernelEnv, s: SymShape, name: string): string[] {
  return s.map((_, k) => (k === s.length - 1 ? "1" : env.count(s.slice(k + 1), `${name}${k}`)));
}

export function addDims(a: SymDim, b: SymDim): SymDim {
  return { c: a.c + b.c, h: a.h + b.h, w: a.w + b.w, hw: a.hw + b.hw };
}
