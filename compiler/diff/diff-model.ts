import { QmcError } from "../diagnostics.js";
import type { Tensor } from "../ir/tensor.js";
import type { KernelPlan, ParamValue, PlanKernel } from "../plan/kernel-plan.js";
import { type Agreement, agreement } from "./agreement.js";
import { type KernelCode, kernelCode } from "./kernel-code.js";
import { type Emit, recordedContents, runKernelAlone } from "./kernel-run.js";
import type { KernelValues } from "./run-kernel.js";

/** Kernels computed in integers from quantized codes: every target must give the same bits. */
const INTEGER_KINDS = new Set(["QConv", "QMatMul", "ActQuant", "DlsQuant"]);

export interface KernelDiff {
  readonly index: number;
  readonly name: string;
  readonly kind: string;
  readonly arithmetic: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Integer kernels must agree exactly across targets. */
  readonly integer: boolean;
  /** Code bytes per target, in the order of `targets`. */
  readonly bytes: readonly number[];
  readonly agreement: Agreement;
  /** Largest |target - reference interpreter| per target: shows both ran on the right data. */
  readonly referenceMaxAbs: readonly number[];
}

export interface DiffOptions {
  readonly targets: readonly [string, string];
  /** Index (e.g. "6" or "#6") or a substring of a kernel's name; all kernels when absent. */
  readonly kernel?: string;
  readonly size: { readonly h: number; readonly w: number };
  readonly emit: Emit;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface DiffResult {
  readonly kernels: readonly KernelDiff[];
  /** With one kernel selected: its code per target. */
  readonly code?: readonly [KernelCode, KernelCode];
}

/** The plan kernels `--kernel` selects: one index, or the kernels whose name contains the text. */
export function selectKernels(plan: KernelPlan, which: string | undefined): number[] {
  const all = plan.kernels.map((_, i) => i);
  if (which === undefined) return all;
  const index = /^#?(\d+)$/.exec(which.trim());
  if (index) {
    const i = Number(index[1]);
    if (i >= plan.kernels.length) {
      throw new QmcError(`kernel #${i} does not exist: the plan has kernels #0..#${plan.kernels.length - 1}`);
    }
    return [i];
  }
  const found = all.filter((i) => plan.kernels[i].name.includes(which));
  if (found.length === 0) {
    throw new QmcError(`no kernel's name contains '${which}' (names look like '${plan.kernels[0]?.name ?? ""}')`);
  }
  return found;
}

/**
 * Runs every selected kernel of a plan on its own under two targets, on the values the reference
 * interpreter recorded for one input, and compares the two targets' outputs and code sizes.
 */
export async function diffKernels(
  plan: KernelPlan,
  values: ReadonlyMap<string, Tensor>,
  options: DiffOptions,
): Promise<DiffResult> {
  const selected = selectKernels(plan, options.kernel);
  const contentsOf = recordedContents(values);
  const kernels: KernelDiff[] = [];
  let lastCode: KernelCode[] = [];
  for (const [n, index] of selected.entries()) {
    const codes: KernelCode[] = [];
    const outputs: KernelValues[][] = [];
    for (const target of options.targets) {
      const run = await runKernelAlone(plan, index, target, options.emit, options.size, contentsOf);
      codes.push(await kernelCode(run.artifact));
      outputs.push(run.outputs);
    }
    const k: PlanKernel = plan.kernels[index];
    const reference = k.outputs.map((id, i) => {
      const t = contentsOf(plan.buffers[id]);
      return outputs[0][i].constructor === Float32Array ? Float32Array.from(t.values) : Int32Array.from(t.values);
    });
    kernels.push({
      index,
      name: k.name,
      kind: k.kind,
      arithmetic: k.arithmetic,
      params: k.params,
      integer: INTEGER_KINDS.has(k.kind),
      bytes: codes.map((c) => c.bytes),
      agreement: agreement(outputs[0], outputs[1]),
      referenceMaxAbs: outputs.map((o) => agreement(o, reference).maxAbs),
    });
    lastCode = codes;
    options.onProgress?.(n + 1, selected.length);
  }
  const code = selected.length === 1 ? ([lastCode[0], lastCode[1]] as const) : undefined;
  return { kernels, code };
}
