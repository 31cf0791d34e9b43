import { QmcError } from "../diagnostics.js";
import type { Tensor } from "../ir/tensor.js";
import { extractKernel } from "../plan/extract-kernel.js";
import type { KernelPlan } from "../plan/kernel-plan.js";
import { loadRawArtifact } from "./raw-artifact.js";
import { type KernelValues, runKernel } from "./run-kernel.js";

export type Emit = (target: string, plan: KernelPlan) => string | Uint8Array | Promise<string | Uint8Array>;

/** A buffer's contents by its ONNX value name, from a reference run (recordValues). */
export type Contents = (b: { readonly name: string }) => Tensor;

export function recordedContents(values: ReadonlyMap<string, Tensor>): Contents {
  return (b) => {
    const t = values.get(b.name);
    if (!t) throw new QmcError(`the reference run recorded no value '${b.name}'`);
    return t;
  };
}

export interface KernelAlone {
  /** The one-kernel artifact, for its code. */
  readonly artifact: string | Uint8Array;
  /** The kernel's outputs on the target, in its output order. */
  readonly outputs: KernelValues[];
}

/**
 * Emits kernel `index` of a plan on its own for `target` (the code the whole model would use) and
 * runs it at h x w on the reference's values of its inputs, so that any difference is its own.
 */
export async function runKernelAlone(
  plan: KernelPlan,
  index: number,
  target: string,
  emit: Emit,
  size: { readonly h: number; readonly w: number },
  contentsOf: Contents,
): Promise<KernelAlone> {
  const one = extractKernel(plan, index);
  const artifact = await emit(target, one);
  const outputs = runKernel(await loadRawArtifact(artifact, target), one, size.h, size.w, contentsOf);
  return { artifact, outputs };
}
