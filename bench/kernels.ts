import { timeRounds } from "../compiler/cli/bench/timing.js";
import { QmcError } from "../compiler/diagnostics.js";
import { loadRawArtifact } from "../compiler/diff/raw-artifact.js";
import { runKernel } from "../compiler/diff/run-kernel.js";
import type { Tensor } from "../compiler/ir/tensor.js";
import { extractKernel } from "../compiler/plan/extract-kernel.js";
import { evalShape, type KernelPlan, type PlanKernel } from "../compiler/plan/kernel-plan.js";
import { emitFor } from "./qmc-target.js";

const count = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);

/** Multiply-accumulates of an integer kernel at h x w (0 for other kinds). */
export function integerMacs(plan: KernelPlan, k: PlanKernel, h: number, w: number): number {
  const out = count(evalShape(k.outputShapes[0], h, w));
  const x = evalShape(k.inputShapes[0] ?? [], h, w);
  if (k.kind === "QConv") {
    const kernel = (k.params.kernel_shape as readonly number[] | undefined) ?? [1, 1];
    const group = (k.params.group as number | undefined) ?? 1;
    return out * (x[1] / group) * count(kernel);
  }
  if (k.kind === "QMatMul") {
    const wt = k.inputs[1];
    const ws = wt && "constant" in wt ? plan.constants[wt.constant].shape : [x[x.length - 1], 1];
    return out * (k.params.weight_first ? ws[ws.length - 1] : ws[0]);
  }
  return 0;
}

/** State updates of a selective scan at h x w: batch x channels x state size x sequence length. */
export function scanUpdates(k: PlanKernel, h: number, w: number): number {
  if (k.kind !== "QSelectiveScan" && k.kind !== "SelectiveScan") return 0;
  const [b, ge, l] = evalShape(k.inputShapes[0] ?? [], h, w);
  const n = evalShape(k.inputShapes[2] ?? [], h, w)[1];
  return b * ge * n * l;
}

/** One distinct specialisation of a group: how many kernels share it, one call's median and work. */
export interface KernelTiming {
  readonly name: string;
  readonly count: number;
  readonly ms: number;
  readonly work: number;
}

export interface KernelGroupResult {
  readonly kernels: number;
  readonly distinct: number;
  /** Sum over the group's kernels of their isolated median time. */
  readonly ms: number;
  /** MACs or state updates, summed. */
  readonly work: number;
  readonly each: readonly KernelTiming[];
}

/**
 * The kernels `work` counts (integer MACs or scan updates), each timed on its own in a one-kernel
 * artifact (compiler/plan/extract-kernel.ts) on the activations `values` the reference interpreter
 * recorded for a whole-model input (compiler/diff/record.ts): a dynamic quantizer's statistics and
 * codes, and so its kernels' work, depend on the data, which noise would misrepresent. Kernels of
 * the same specialisation and shapes are timed once, on the first one's inputs.
 */
export async function benchKernelGroup(
  target: string,
  plan: KernelPlan,
  values: ReadonlyMap<string, Tensor>,
  h: number,
  w: number,
  work: (k: PlanKernel) => number,
): Promise<KernelGroupResult> {
  const groups = new Map<string, { index: number; n: number; units: number }>();
  let total = 0;
  plan.kernels.forEach((k, index) => {
    const units = work(k);
    if (units === 0) return;
    total += units;
    const key = `${k.name.replace(/^k\d+_/, "")} ${JSON.stringify(k.inputShapes)}`;
    const g = groups.get(key) ?? { index, n: 0, units };
    g.n++;
    groups.set(key, g);
  });
  const each: KernelTiming[] = [];
  for (const { index, n, units } of groups.values()) {
    const one = extractKernel(plan, index);
    const art = await loadRawArtifact(await emitFor(target, one), target);
    runKernel(art, one, h, w, (b) => {
      const t = values.get(b.name);
      if (!t) throw new QmcError(`the reference run recorded no value '${b.name}'`);
      return t;
    });
    const [t] = await timeRounds([() => art.run()], { budgetMs: 300, maxRounds: 20 });
    each.push({ name: plan.kernels[index].name.replace(/^k\d+_/, ""), count: n, ms: t.medianMs, work: units });
  }
  return {
    kernels: each.reduce((s, g) => s + g.count, 0),
    distinct: each.length,
    ms: each.reduce((s, g) => s + g.ms * g.count, 0),
    work: total,
    each,
  };
}
