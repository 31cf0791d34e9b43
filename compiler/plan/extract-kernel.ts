import type { KernelPlan, Operand, PlanBuffer, PlanConstant } from "./kernel-plan.js";

/**
 * A plan of one kernel taken out of a larger plan: its input and output buffers and the constants
 * it reads, renumbered from 0, all live at kernel 0. Targets emit it like any plan, so one kernel can
 * be run, timed or compared on its own with exactly the code the whole model would use.
 *
 * The plan's `input` is the kernel's first activation input (its output when it reads none) and
 * `output` its first output; other inputs and outputs are reached through the arena placement.
 */
export function extractKernel(plan: KernelPlan, index: number): KernelPlan {
  const k = plan.kernels[index];
  const buffers: PlanBuffer[] = [];
  const bufferOf = new Map<number, number>();
  const buffer = (id: number): number => {
    const known = bufferOf.get(id);
    if (known !== undefined) return known;
    const b = plan.buffers[id];
    const local = buffers.length;
    buffers.push({ ...b, id: local, firstUse: 0, lastUse: 0 });
    bufferOf.set(id, local);
    return local;
  };
  const constants: PlanConstant[] = [];
  const constantOf = new Map<number, number>();
  const constant = (id: number): number => {
    const known = constantOf.get(id);
    if (known !== undefined) return known;
    const local = constants.length;
    constants.push({ ...plan.constants[id], id: local });
    constantOf.set(id, local);
    return local;
  };
  const inputs = k.inputs.map((op): Operand | null => {
    if (op === null) return null;
    return "buffer" in op ? { buffer: buffer(op.buffer) } : { constant: constant(op.constant) };
  });
  const outputs = k.outputs.map(buffer);
  const firstInput = inputs.find((op): op is { buffer: number } => op !== null && "buffer" in op);
  return {
    model: { ...plan.model, name: `${plan.model.name} #${index} ${k.name}` },
    input: firstInput ? firstInput.buffer : outputs[0],
    output: outputs[0],
    buffers,
    constants,
    kernels: [{ ...k, inputs, outputs }],
  };
}
