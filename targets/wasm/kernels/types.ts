import type { SymDim } from "../../../compiler/plan/kernel-plan.js";
import type { KernelFacts } from "../../shared/kernel-params.js";
import type { Ex } from "../binaryen.js";
import type { Arr, Elem, Fn, Val } from "../dsl.js";
import type { MathFn } from "../math.js";

/** Instruction sets: MVP scalar, SIMD128, SIMD128 plus the relaxed int8 dot. */
export type Isa = "mvp" | "simd" | "relaxed";

/**
 * What a wasm generator sees of one kernel; the twin of the js target's KernelEnv, so generators map
 * one to one. Arguments become parameters of the kernel's function, in the order asked for: arrays
 * are byte addresses in linear memory (i32), sizes are literals when static. Whatever differs between
 * kernels of one specialisation (weights, tables, quantizer parameters) reaches the function as a
 * parameter, so that they share one function.
 */
export interface WasmKernelEnv extends KernelFacts {
  readonly isa: Isa;
  /** The function being built: locals, loops, loads and stores. */
  readonly fn: Fn;
  /** Input i as an array; its element type must be `elem` (packed weight codes arrive unpacked as i8). */
  input(i: number, elem?: Elem): Arr;
  output(i: number, elem?: Elem): Arr;
  /** The element type of input i's or output i's array, for kernels that take several (Cast). */
  inputElem(i: number): Elem;
  outputElem(i: number): Elem;

  /** A size: an i32 constant when static, else a parameter bound to the value qmc_prepare computed. */
  dim(d: SymDim): Val;
  /** The product of sizes, as one parameter when it is a polynomial in h and w. */
  count(dims: readonly SymDim[]): Val;
  /** Scratch memory of at least n 8-byte elements shared by all kernels (never live across kernels). */
  scratch(n: SymDim, elem?: Elem): Arr;
  /** A table of f64 values in the module's static data; its address is a parameter. */
  data(values: readonly number[]): Arr;
  /** Raw bytes in the module's static data, read as `elem` elements; its address is a parameter. */
  table(bytes: Uint8Array, elem: Elem): Arr;
  /**
   * A table of `bytes` that qmc_prepare fills once, before the first run, from constant input `input`
   * (its elements as kernels read them): data derived from weights, so it need not ship in the file
   * (e.g. weights rearranged for a SIMD instruction). `fill(f, src, dst)` builds the filling code of a
   * function of its own, shared by tables of one `spec`; the table's address is a parameter.
   */
  derived(spec: string, input: number, bytes: number, elem: Elem, fill: (f: Fn, src: Arr, dst: Arr) => Ex[]): Arr;
  /**
   * A number of this kernel instance that its code uses as an f64 (a quantizer's parameter, a weight
   * scale): an f64 parameter, bound at the call. Numbers that shape the code (sizes, code ranges)
   * stay literals (`fn.f64`) and belong in the spec.
   */
  scalar(value: number): Val;
  /** A call to one of the module's math functions (f64 -> f64). */
  math(name: MathFn, arg: Ex): Ex;
}

/** One generated kernel: its specialised function name and body. */
export interface WasmKernelCode {
  readonly spec: string;
  readonly body: readonly Ex[];
}

export type WasmKernelGenerator = (env: WasmKernelEnv) => WasmKernelCode;
