import { type Emit, recordedContents, runKernelAlone } from "../diff/kernel-run.js";
import { recordValues } from "../diff/record.js";
import type { Model } from "../ir/graph.js";
import type { Tensor } from "../ir/tensor.js";
import type { KernelPlan } from "../plan/kernel-plan.js";
import { EXACT, type Tolerance } from "./compare.js";
import { type ValueErrors, valueErrors } from "./value-errors.js";

export interface KernelRow extends ValueErrors {
  readonly index: number;
  readonly kernel: string;
  readonly kind: string;
  /** The ONNX node(s) the kernel was made from. */
  readonly sources: readonly string[];
  /** The ONNX value of the compiled graph that this output holds. */
  readonly output: string;
}

export interface KernelComparison {
  readonly target: string;
  /** One row per kernel output, in plan order. */
  readonly rows: readonly KernelRow[];
  /** The first kernel output outside tolerance. */
  readonly first?: KernelRow;
  /** The reference's value of the plan's output: what the whole artifact must compute. */
  readonly compiledOutput: Tensor;
}

/**
 * Runs each kernel of the plan alone on `target`, fed the reference interpreter's values of its
 * inputs (on the compiled graph, for `input`), and compares each output with the reference's value
 * of the same ONNX value. Each kernel starts from correct inputs, so the first failing one is where
 * the target goes wrong, not where an earlier error shows. Integer outputs must be exact.
 */
export async function compareKernels(
  compiled: Model,
  plan: KernelPlan,
  input: Tensor,
  options: {
    readonly target: string;
    readonly emit: Emit;
    readonly tol: Tolerance;
    readonly onProgress?: (done: number, total: number) => void;
  },
): Promise<KernelComparison> {
  const contentsOf = recordedContents(recordValues(compiled, input));
  const size = { h: input.shape[2], w: input.shape[3] };
  const rows: KernelRow[] = [];
  for (const [index, k] of plan.kernels.entries()) {
    const { outputs } = await runKernelAlone(plan, index, options.target, options.emit, size, contentsOf);
    k.outputs.forEach((id, i) => {
      const b = plan.buffers[id];
      const tol = outputs[i] instanceof Float32Array ? options.tol : EXACT;
      rows.push({
        index,
        kernel: k.name,
        kind: k.kind,
        sources: k.sources,
        output: b.name,
        ...valueErrors(outputs[i], contentsOf(b), tol),
      });
    });
    options.onProgress?.(index + 1, plan.kernels.length);
  }
  const compiledOutput = contentsOf(plan.buffers[plan.output]);
  return { target: options.target, rows, first: rows.find((r) => !r.ok), compiledOutput };
}

/**
 * The whole artifact's output against the reference's on the compiled graph. Every kernel may agree
 * alone while the chain differs (a buffer reused while live), or the chain agree while the compiled
 * graph differs from the model (its passes): this tells the two apart.
 */
export function compareWholeArtifact(c: KernelComparison, output: Tensor, tol: Tolerance): ValueErrors {
  return valueErrors(output.values, c.compiledOutput, tol, output.shape);
}
