import type { Dim } from "../ir/graph.js";
import { sizeOf, type Tensor } from "../ir/tensor.js";
import { modelLimits } from "../onnx/limits.js";
import type { EvalContext, OpContext, OpDef } from "./define.js";

/** The op takes this many inputs: a node with more or fewer is the model's error, not the op's to trip on. */
export function checkInputCount(def: OpDef, given: number, ctx: OpContext): void {
  const [min, max] = def.inputs;
  if (given < min || given > max) {
    const range = min === max ? `${min}` : max === Number.POSITIVE_INFINITY ? `at least ${min}` : `${min} to ${max}`;
    throw ctx.error(`takes ${range} inputs, ${given} given`);
  }
}

/**
 * Refuses an evaluation whose output the op's shape rule, given the actual inputs as constants,
 * sizes over the per-tensor element limit (--max-tensor-elements): a model's pads, scales, repeats
 * or shape tensors must not make the interpreter or constant folding allocate gigabytes. Only the
 * sizing can refuse here; a shape rule that cannot size the output leaves the verdict to the
 * evaluation itself (shape inference reports the rule's own errors), so this adds no new way to fail.
 */
export function refuseOversizedOutputs(
  def: OpDef,
  inputs: readonly (Tensor | undefined)[],
  ctx: EvalContext,
  limit = modelLimits().tensorElements,
): void {
  let shapes: (readonly Dim[] | undefined)[];
  try {
    const types = inputs.map((t) => (t ? { dtype: t.dtype, shape: t.shape } : undefined));
    shapes = def.shape(types, { ...ctx, constant: (i) => inputs[i] }).map((o) => o?.shape);
  } catch {
    return;
  }
  shapes.forEach((shape, i) => {
    if (!shape?.every((d): d is number => typeof d === "number")) return;
    const elements = sizeOf(shape);
    if (elements > limit) {
      throw ctx.error(
        `output ${i} would have shape [${shape}], ${elements} elements, over the limit of ${limit} per tensor (--max-tensor-elements)`,
      );
    }
  });
}
