import {
  isStatic,
  type KernelPlan,
  type PlanConstant,
  type PlanDType,
  type PlanKernel,
  type SymDim,
  type SymShape,
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

/** A constant's values: float32 or int32 as stored, packed codes unpacked (signed, little-end first). */
export function constantValues(c: PlanConstant): ArrayLike<number> {
  const count = c.shape.reduce((a, b) => a * b, 1);
  const copy = c.bytes.slice();
  if (c.encoding.kind === "float32") return new Float32Array(copy.buffer, 0, count);
  if (c.encoding.kind === "int32") return new Int32Array(copy.buffer, 0, count);
  const bits = c.encoding.bits;
  const perByte = 8 / bits;
  const half = 1 << (bits - 1);
  const out = new Int8Array(count);
  for (let i = 0; i < count; i++) {
    const v = (c.bytes[Math.floor(i / perByte)] >> ((i % perByte) * bits)) & ((1 << bits) - 1);
    out[i] = v >= half ? v - 2 * half : v;
  }
  return out;
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
    const op = this.kernel.inputs[i];
    if (!op) throw this.error(`input ${i} is missing or folded; expected an array`);
    if ("buffer" in op) {
      const b = this.buffer(op.buffer);
      return this.array(name, this.scope.bufferVar(b.id), BUFFER_ARRAY[b.dtype], type, `input ${i}`);
    }
    const c = this.constantOf(op.constant);
    return this.array(name, this.scope.constantVar(c.id), constantArrayType(c), type, `input ${i}`);
  }

  output(i: number, name: string, type: ArrayType = "Float32Array"): string {
    const id = this.kernel.outputs[i];
    if (id === undefined) throw this.error(`output ${i} is missing`);
    const b = this.buffer(id);
    return this.array(name, this.scope.bufferVar(id), BUFFER_ARRAY[b.dtype], type, `output ${i}`);
  }

  inputShape(i: number): SymShape {
    const s = this.kernel.inputShapes[i];
    if (!s) throw this.error(`input ${i} has no shape`);
    return s;
  }

  outputShape(i: number): SymShape {
    const s = this.kernel.outputShapes[i];
    if (!s) throw this.error(`output ${i} has no shape`);
    return s;
  }

  constant(i: number): ArrayLike<number> | undefined {
    const op = this.kernel.inputs[i];
    return op && "constant" in op ? constantValues(this.constantOf(op.constant)) : undefined;
  }

  constInts(i: number): readonly number[] | undefined {
    const v = this.kernel.params[`const_input_${i}`];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== "number")) {
      throw this.error(`param 'const_input_${i}' is not a list of integers`);
    }
    return v as readonly number[];
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

  staticDim(d: SymDim, what: string): number {
    if (!isStatic(d)) throw this.error(`${what} depends on the input size; expected a fixed size`);
    return d.c;
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

  private constantOf(id: number): PlanConstant {
    const c = this.scope.plan.constants.find((x) => x.id === id);
    if (!c) throw this.error(`refers to constant ${id}, which the plan does not hold`);
    return c;
  }
}
