import type { Dim, TypeInfo } from "../../ir/graph.js";
import type { Tensor } from "../../ir/tensor.js";
import type { OpContext } from "../define.js";

/** An axis in [-rank, rank) made non-negative; out of range is the model's error. */
export function normalizeAxis(axis: number, rank: number, ctx: OpContext, what = "axis"): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw ctx.error(`${what} ${axis} is out of range for rank ${rank} (expected ${-rank} to ${rank - 1})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Several axes made non-negative; a repeated axis is an error, as ONNX requires. */
export function normalizeAxes(axes: readonly number[], rank: number, ctx: OpContext, what = "axes"): number[] {
  const out = axes.map((a) => normalizeAxis(a, rank, ctx, `${what} entry`));
  const seen = new Set<number>();
  for (const a of out) {
    if (seen.has(a)) throw ctx.error(`${what} [${axes}] names axis ${a} more than once`);
    seen.add(a);
  }
  return out;
}

/** The values of an integer tensor (a shape, axes, indices) as plain numbers. */
export function intList(t: Tensor | undefined): number[] | undefined {
  return t ? Array.from(t.values) : undefined;
}

/**
 * A list-valued operand that ONNX moved from an attribute to an optional input at opset `inputSince`
 * (axes, split, pads, ...). Returns undefined when absent. At shape time a non-constant input gives
 * "unknown", which callers must treat as "cannot tell".
 */
export function attrOrInput(
  ctx: OpContext,
  name: string,
  inputSince: number,
  input: Tensor | undefined,
): number[] | undefined {
  if (ctx.opset >= inputSince) return intList(input);
  return ctx.attrs.has(name) ? [...ctx.attrs.ints(name)] : undefined;
}

/** The product of dims: a number when all are known, else null (symbolic products are not tracked). */
export function dimProduct(dims: readonly Dim[]): Dim {
  let n = 1;
  for (const d of dims) {
    if (typeof d !== "number") return dims.length === 1 ? d : null;
    n *= d;
  }
  return n;
}

/** The rank of an input when its shape is known. */
export function rankOf(t: TypeInfo | undefined): number | undefined {
  return t?.shape?.length;
}
