import type { QmcError } from "../../../compiler/diagnostics.js";
import type { PlanKernel, SymDim, SymShape } from "../../../compiler/plan/kernel-plan.js";
import type { CodeWriter } from "../../shared/code-writer.js";
import type { HelperName } from "../runtime/helpers.js";

/** The typed arrays kernels read and write (constants: float32, int32, or unpacked codes as Int8Array). */
export type ArrayType = "Float32Array" | "Int32Array" | "Int8Array" | "Uint8Array";

/**
 * What a generator sees of one kernel, and how it asks for its arguments. Every call that names an
 * argument (`input`, `output`, `dim`, `count`, `scratch`) adds a parameter to the generated function
 * in call order and returns the name (or, for a static size, the literal) to use in the body.
 */
export interface KernelEnv {
  readonly kernel: PlanKernel;
  /** Its position in the plan (the run order). */
  readonly index: number;
  /** A QmcError naming this kernel, its kind and its ONNX sources. */
  error(what: string): QmcError;

  /** Whether input i is given (an operand, or an integer constant folded into `const_input_<i>`). */
  has(i: number): boolean;
  /** Input i's array as a parameter; its element type must be `type` (default Float32Array). */
  input(i: number, name: string, type?: ArrayType): string;
  output(i: number, name: string, type?: ArrayType): string;
  inputShape(i: number): SymShape;
  outputShape(i: number): SymShape;
  /** The compile-time values of input i when it is a constant operand. */
  constant(i: number): ArrayLike<number> | undefined;
  /** The integer values of input i folded at compile time (`const_input_<i>`), if any. */
  constInts(i: number): readonly number[] | undefined;

  /** A size: its literal when static, else a parameter bound to the value qmc_prepare computed. */
  dim(d: SymDim, name: string): string;
  /** The product of sizes, as one literal or parameter when possible. */
  count(dims: readonly SymDim[], name: string): string;
  /** A static size's value; an error naming `what` when it depends on the input size. */
  staticDim(d: SymDim, what: string): number;
  /** A Float64Array of at least n elements shared by all kernels (never live across kernels). */
  scratch(n: SymDim, name: string): string;

  /** Attributes as the plan holds them (ONNX defaults are the generator's to apply). */
  int(name: string, fallback?: number): number;
  float(name: string, fallback?: number): number;
  string(name: string, fallback?: string): string;
  ints(name: string, fallback?: readonly number[]): readonly number[];
}

/** One generated kernel function: its specialised name, its body, the runtime helpers it calls. */
export interface KernelCode {
  /** The function name: kind and specialisation, e.g. "conv_c24_o24_k3x3_s1_p1_d1_g1". */
  readonly spec: string;
  readonly body: (w: CodeWriter) => void;
  readonly helpers?: readonly HelperName[];
}

export type KernelGenerator = (env: KernelEnv) => KernelCode;
