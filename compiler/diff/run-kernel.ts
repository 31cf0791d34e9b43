import { placeBuffers } from "../../targets/shared/arena.js";
import { bufferBytes, liveRanges } from "../../targets/shared/meta.js";
import { QmcError } from "../diagnostics.js";
import type { Tensor } from "../ir/tensor.js";
import { type KernelPlan, type PlanBuffer, type PlanDType, shapeAtSize } from "../plan/kernel-plan.js";
import type { RawArtifact } from "./raw-artifact.js";

export type KernelValues = Float32Array | Int32Array | Int8Array | Uint8Array;

const VIEWS = { float32: Float32Array, int32: Int32Array, int8: Int8Array, uint8: Uint8Array } as const;

function view(memory: ArrayBuffer, dtype: PlanDType, offset: number, count: number): KernelValues {
  return new VIEWS[dtype](memory, offset, count);
}

/**
 * Runs a one-kernel plan's artifact (compiler/plan/extract-kernel.ts) at h x w: writes every
 * activation input at the offset the shared arena placement gives it, runs, and copies the outputs
 * out. `contentsOf` gives a buffer's contents; a view's contents are its base buffer's, in the same order.
 */
export function runKernel(
  art: RawArtifact,
  plan: KernelPlan,
  h: number,
  w: number,
  contentsOf: (b: PlanBuffer) => Tensor,
): KernelValues[] {
  art.prepare(h, w);
  const { offsets } = placeBuffers(bufferBytes(plan, h, w), liveRanges(plan));
  // The arena may start anywhere in the memory (a wasm artifact keeps its weights below it).
  const base = art.inputOffset() - offsets[plan.input];
  const memory = art.memory();
  const count = (b: PlanBuffer) => shapeAtSize(plan.model, b.shape, h, w).reduce((p, d) => p * d, 1);
  const k = plan.kernels[0];
  for (const op of k.inputs) {
    if (!op || !("buffer" in op)) continue;
    const b = plan.buffers[op.buffer];
    const t = contentsOf(b);
    if (t.size !== count(b)) {
      throw new QmcError(`buffer '${b.name}': the reference holds ${t.size} values, the plan ${count(b)} at ${h}x${w}`);
    }
    view(memory, b.dtype, base + offsets[b.id], t.size).set(t.values);
  }
  art.run();
  const after = art.memory();
  return k.outputs.map((id) => {
    const b = plan.buffers[id];
    return view(after, b.dtype, base + offsets[id], count(b)).slice();
  });
}
