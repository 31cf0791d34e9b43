import { type Epilogue, epilogueParams, epilogueTags, parseEpilogue } from "../../compiler/ops/support/epilogue.js";
import { isStatic } from "../../compiler/plan/kernel-plan.js";
import type { KernelParams } from "./kernel-params.js";

/**
 * An integer kernel's float epilogue (compiler/ops/support/epilogue.ts) from its params. Its
 * constants run along the output axis `axis` (negative: from the end), whose size must be static.
 */
export function kernelEpilogue(env: Pick<KernelParams, "kernel" | "error">, axis: number): Epilogue {
  const out = env.kernel.outputShapes[0];
  const d = out?.[axis < 0 ? out.length + axis : axis];
  if (!d || !isStatic(d)) throw env.error(`the output channel axis ${axis} has no fixed size`);
  const fail = (what: string) => env.error(what);
  return parseEpilogue(epilogueParams(env.kernel.params, fail), d.c, fail);
}

/** A kernel-name suffix that tells epilogues apart: "" without one, else e.g. "_silu" or "_residual_skip". */
export function epilogueSpec(e: Epilogue): string {
  return epilogueTags(e)
    .map((p) => `_${p}`)
    .join("");
}
