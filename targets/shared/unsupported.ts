import { QmcError, terminalText } from "../../compiler/diagnostics.js";
import type { KernelPlan, PlanKernel } from "../../compiler/plan/kernel-plan.js";
import { KernelError } from "./kernel-params.js";

/** One kernel a target cannot generate, and why. */
export interface KernelProblem {
  readonly index: number;
  readonly kind: string;
  readonly kernel: string;
  /** The ONNX nodes the kernel came from. */
  readonly sources: readonly string[];
  readonly problem: string;
}

/**
 * Every kernel of a plan that a target cannot generate, found in one pass over the plan so that a
 * user learns of all of them at once rather than one per attempt.
 */
export class UnsupportedKernels extends QmcError {
  constructor(
    readonly target: string,
    readonly kernelCount: number,
    readonly problems: readonly KernelProblem[],
  ) {
    super(formatProblems(target, kernelCount, problems));
    this.name = "UnsupportedKernels";
  }
}

export function formatProblems(target: string, kernelCount: number, problems: readonly KernelProblem[]): string {
  // Each problem escaped whole: a model string in it (a name, an attribute's text) cannot break its line.
  const lines = problems.map((p) => `  ${terminalText(`${describeKernel(p)}: ${p.problem}`)}`);
  return `the ${target} target cannot compile ${problems.length} of ${kernelCount} kernels:\n${lines.join("\n")}`;
}

/** "#4 PRelu from node 'prelu_1'": how a user finds the kernel in the model. */
export function describeKernel(p: Pick<KernelProblem, "index" | "kind" | "sources">): string {
  const from = p.sources.length ? ` from node ${p.sources.map((s) => `'${s}'`).join(", ")}` : "";
  return `#${p.index} ${p.kind}${from}`;
}

/** The problem a target reports for a kind it has no generator for. */
export function noGenerator(target: string, kind: string): string {
  return `no ${target} kernel for op ${kind} (\`qmc kernels\` lists what each target has)`;
}

/**
 * Generates each kernel with `generate`, collecting the user errors (QmcError) of every kernel, and
 * throws them together; a kernel that has no generator is reported the same way. Other errors are
 * compiler bugs and propagate at once.
 */
export function generateAll<T>(
  plan: KernelPlan,
  target: string,
  generators: ReadonlyMap<string, unknown>,
  generate: (kernel: PlanKernel, index: number) => T,
): T[] {
  const results: T[] = [];
  const problems: KernelProblem[] = [];
  plan.kernels.forEach((kernel, index) => {
    const where = { index, kind: kernel.kind, kernel: kernel.name, sources: kernel.sources };
    if (!generators.has(kernel.kind)) {
      problems.push({ ...where, problem: noGenerator(target, kernel.kind) });
      return;
    }
    try {
      results.push(generate(kernel, index));
    } catch (e) {
      if (!(e instanceof QmcError)) throw e;
      problems.push({ ...where, problem: e instanceof KernelError ? e.what : e.message });
    }
  });
  if (problems.length) throw new UnsupportedKernels(target, plan.kernels.length, problems);
  return results;
}
