import {
  isStatic,
  type KernelPlan,
  type PlanConstant,
  type PlanDType,
  type PlanKernel,
  type SymDim,
} from "../../compiler/plan/kernel-plan.js";
import type { Param } from "../shared/artifact.js";
import { KernelParams } from "../shared/kernel-params.js";
import { productDim } from "../shared/sym.js";
import type { ArrayType, KernelEnv } from "./kernels/types.js";

/** Where generated code finds each buffer and constant, and which dims and scratch it needs. */
export interface ModuleScope {
  readonly plan: KernelPlan;
  bufferVar(id: number): string;
  constantVar(id: number): string;
  /** Registers a non-static dim computed by qmc_prepare; returns its variable. */
  dimVar(d: SymDim): string;
  /** Records that a kernel needs n float64 scratch elements. */
  needScratch(n: SymDim): void;
}

const BUFFER_ARRAY: Record<PlanDType, ArrayType> = {
  float32: "Float32Array",
  int32: "Int32Array",
  int8: "Int8Array",
  uint8: "Uint8Array",
};

export function constantArrayType(c: PlanConstant): ArrayType {
  return c.encoding.kind === "float32" ? "Float32Array" : c.encoding.kind === "int32" ? "Int32Array" : "Int8Array";
}

/** The KernelEnv of one kernel; it collects the generated function's parameters and call arguments. */
export class KernelEnvImpl extends KernelParams implements KernelEnv {
  readonly params: Param[] = [];
  readonly args: string[] = [];

  constructor(
    private readonly scope: ModuleScope,
    kernel: PlanKernel,
    index: number,
  ) {
    super(kernel, index);
  }

  input(i: number, name: string, type: ArrayType = "Float32Array"): string {
    const op = this.operand(i);
    const value = "buffer" in op ? this.scope.bufferVar(op.buffer) : this.scope.constantVar(op.constant);
    return this.array(name, value, this.inputType(i), type, `input ${i}`);
  }

  output(i: number, name: string, type: ArrayType = "Float32Array"): string {
    return this.array(name, this.scope.bufferVar(this.outputId(i)), this.outputType(i), type, `output ${i}`);
  }

  inputType(i: number): ArrayType {
    const op = this.operand(i);
    return "buffer" in op
      ? BUFFER_ARRAY[this.buffer(op.buffer).dtype]
      : constantArrayType(this.constantOf(op.constant));
  }

  outputType(i: number): ArrayType {
    return BUFFER_ARRAY[this.buffer(this.outputId(i)).dtype];
  }

  private operand(i: number) {
    const op = this.kernel.inputs[i];
    if (!op) throw this.error(`input ${i} is missing or folded; expected an array`);
    return op;
  }

  private outputId(i: number): number {
    const id = this.kernel.outputs[i];
    if (id === undefined) throw this.error(`output ${i} is missing`);
    return id;
  }

  dim(d: SymDim, name: string): string {
    if (isStatic(d)) return String(d.c);
    this.params.push({ name, type: "number" });
    this.args.push(this.scope.dimVar(d));
    return name;
  }

  count(dims: readonly SymDim[], name: string): string {
    const p = productDim(dims);
    if (p) return this.dim(p, name);
    return dims.map((d, k) => this.dim(d, `${name}${k}`)).join(" * ");
  }

  scratch(n: SymDim, name: string): string {
    this.scope.needScratch(n);
    this.params.push({ name, type: "Float64Array" });
    this.args.push("scratch");
    return name;
  }

  private array(name: string, value: string, actual: ArrayType, wanted: ArrayType, what: string): string {
    if (actual !== wanted) throw this.error(`${what} is a ${actual}, expected a ${wanted}`);
    this.params.push({ name, type: actual });
    this.args.push(value);
    return name;
  }

  private buffer(id: number) {
    const b = this.scope.plan.buffers.find((x) => x.id === id);
    if (!b) throw this.error(`refers to buffer ${id}, which the plan does not hold`);
    return b;
  }

  protected constantOf(id: number): PlanConstant {
    const c = this.scope.plan.constants.find((x) => x.id === id);
    if (!c) throw this.error(`refers to constant ${id}, which the plan does not hold`);
    return c;
  }
}
