import type { SymDim } from "../../../compiler/plan/kernel-plan.js";
import type { CodeWriter } from "../../shared/code-writer.js";
import type { KernelFacts } from "../../shared/kernel-params.js";
import type { HelperName } from "../runtime/helpers.js";

/** The typed arrays kernels read and write (constants: float32, int32, or unpacked codes as Int8Array). */
export type ArrayType = "Float32Array" | "Int32Array" | "Int8Array" | "Uint8Array";

/**
 * What a generator sees of one kernel, and how it asks for its arguments. Every call that names an
 * argument (`input`, `output`, `dim`, `count`, `scratch`) adds a parameter to the generated function
 * in call order and returns the name (or, for a static size, the literal) to use in the body.
 */
export interface KernelEnv extends KernelFacts {
  /** Input i's array as a parameter; its element type must be `type` (default Float32Array). */
  input(i: number, name: string, type?: ArrayType): string;
  output(i: number, name: string, type?: ArrayType): string;
  /** The element type of input i's or output i's array, for kernels that take several (Cast). */
  inputType(i: number): ArrayType;
  outputType(i: number): ArrayType;

  /** A size: its literal when static, else a parameter bound to the value qmc_prepare computed. */
  dim(d: SymDim, name: string): string;
  /** The product of sizes, as one literal or parameter when possible. */
  count(dims: readonly SymDim[], name: string): string;
  /** A Float64Array of at least n elements shared by all kernels (never live across kernels). */
  scratch(n: SymDim, name: string): string;
}

/** One generated kernel function: its specialised name, its body, the runtime helpers it calls. */
export interface KernelCode {
  /** The function name: kind and specialisation, e.g. "conv_c24_o24_k3x3_s1_p1_d1_g1". */
  readonly spec: string;
  readonly body: (w: CodeWriter) => void;
  readonly helpers?: readonly HelperName[];
}

export type KernelGenerator = (env: KernelEnv) => KernelCode;
