import { QmcError } from "../../compiler/diagnostics.js";
import {
  isStatic,
  type PlanConstant,
  type PlanKernel,
  type SymDim,
  type SymShape,
} from "../../compiler/plan/kernel-plan.js";
import { commentText } from "./names.js";

/**
 * What a kernel generator of any target reads of its kernel: errors that name it, which inputs are
 * present, its shapes, folded constants and attributes (ONNX defaults are the generator's fallbacks).
 * Code shared by the targets' generators (their shapes and checks) takes just this.
 */
export interface KernelFacts {
  readonly kernel: PlanKernel;
  /** Its position in the plan (the run order). */
  readonly index: number;
  /** A QmcError naming this kernel, its kind and its ONNX sources. */
  error(what: string): QmcError;
  /** Whether input i is given (an operand, or an integer constant folded into `const_input_<i>`). */
  has(i: number): boolean;
  inputShape(i: number): SymShape;
  outputShape(i: number): SymShape;
  /** The compile-time values of input i when it is a constant operand. */
  constant(i: number): ArrayLike<number> | undefined;
  /** The integer values of input i folded at compile time (`const_input_<i>`), if any. */
  constInts(i: number): readonly number[] | undefined;
  /** A static size's value; an error naming `what` when it depends on the input size. */
  staticDim(d: SymDim, what: string): number;
  int(name: string, fallback?: number): number;
  float(name: string, fallback?: number): number;
  string(name: string, fallback?: string): string;
  ints(name: string, fallback?: readonly number[]): readonly number[];
  floats(name: string, fallback?: readonly number[]): readonly number[];
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

/** KernelFacts from the plan's kernel; a target supplies how it finds the plan's constants. */
/** A kernel generator's refusal: the message names the kernel, `what` says only what is wrong. */
export class KernelError extends QmcError {
  constructor(
    message: string,
    readonly what: string,
  ) {
    super(message);
    this.name = "KernelError";
  }
}

export abstract class KernelParams implements KernelFacts {
  constructor(
    readonly kernel: PlanKernel,
    readonly index: number,
  ) {}

  /** The plan's constant `id`, or an error naming this kernel. */
  protected abstract constantOf(id: number): PlanConstant;

  error(what: string): QmcError {
    const from = this.kernel.sources.length ? ` from ${this.kernel.sources.map((s) => `'${s}'`).join(", ")}` : "";
    return new KernelError(`kernel #${this.index} '${this.kernel.name}' (${this.kernel.kind}${from}): ${what}`, what);
  }

  has(i: number): boolean {
    return !!this.kernel.inputs[i] || this.kernel.params[`const_input_${i}`] !== undefined;
  }

  int(name: string, fallback?: number): number {
    const v = this.attr(name, fallback);
    if (typeof v !== "number" || !Number.isInteger(v)) throw this.error(`param '${name}' is ${v}, expected an integer`);
    return v;
  }

  float(name: string, fallback?: number): number {
    const v = this.attr(name, fallback);
    if (typeof v !== "number") throw this.error(`param '${name}' is ${commentText(String(v))}, expected a number`);
    return v;
  }

  string(name: string, fallback?: string): string {
    const v = this.attr(name, fallback);
    if (typeof v !== "string") throw this.error(`param '${name}' is ${v}, expected a string`);
    return v;
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

  staticDim(d: SymDim, what: string): number {
    if (!isStatic(d)) throw this.error(`${what} depends on the input size; expected a fixed size`);
    return d.c;
  }

  ints(name: string, fallback?: readonly number[]): readonly number[] {
    const v = this.attr(name, fallback);
    if (!Array.isArray(v) || v.some((x) => typeof x !== "number" || !Number.isInteger(x))) {
      throw this.error(`param '${name}' is ${commentText(String(v))}, expected a list of integers`);
    }
    return v as readonly number[];
  }

  floats(name: string, fallback?: readonly number[]): readonly number[] {
    const v = this.attr(name, fallback);
    if (!Array.isArray(v) || v.some((x) => typeof x !== "number")) {
      throw this.error(`param '${name}' is ${commentText(String(v))}, expected a list of numbers`);
    }
    return v as readonly number[];
  }

  private attr<T>(name: string, fallback: T | undefined) {
    const v = this.kernel.params[name];
    if (v !== undefined) return v;
    if (fallback === undefined) throw this.error(`missing param '${name}'`);
    return fallback;
  }
}
