import type { SymShape } from "../../compiler/plan/kernel-plan.js";
import { shapeSpec } from "./broadcast.js";
import { normalizeAxis } from "./data-movement.js";
import type { KernelFacts } from "./kernel-params.js";

/**
 * Softmax's groups (opset 13 semantics, target-neutral): the flat data as [outer, length, inner]
 * around the one axis it normalizes along.
 */
export interface SoftmaxGroups {
  readonly outer: SymShape;
  readonly length: SymShape;
  readonly inner: SymShape;
  readonly spec: string;
}

export function softmaxGroups(env: KernelFacts): SoftmaxGroups {
  const xs = env.inputShape(0);
  const axis = normalizeAxis(env, env.int("axis", -1), xs.length, "axis");
  return {
    outer: xs.slice(0, axis),
    length: [xs[axis]],
    inner: xs.slice(axis + 1),
    spec: `softmax_${shapeSpec(xs)}_a${axis}`,
  };
}
