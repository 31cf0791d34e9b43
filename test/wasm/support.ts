import type { KernelPlan } from "../../compiler/plan/kernel-plan.js";
import { emitWasm } from "../../targets/wasm/emit.js";
import type { Isa } from "../../targets/wasm/kernels/types.js";
import type { Artifact } from "../targets/harness.js";

// The WebAssembly JS API as these tests use it (the project compiles without the DOM library).
interface WasmApi {
  Module: {
    new (bytes: Uint8Array): object;
    imports(module: object): { module: string; name: string }[];
    exports(module: object): { name: string; kind: string }[];
    customSections(module: object, name: string): ArrayBuffer[];
  };
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

export const WASM = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export const ISAS: readonly Isa[] = ["mvp", "simd", "relaxed"];

/** Whether this Node runs relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd). */
export function hostHasRelaxedSimd(): boolean {
  // i32x4.relaxed_dot_i8x16_i7x16_add_s in a function that is never called: compiling it is the test.
  const bytes = Uint8Array.from([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 62, 1, 60, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 253, 147, 2, 11,
  ]);
  try {
    new WASM.Module(bytes);
    return true;
  } catch {
    return false;
  }
}

/** A wasm artifact seen through the harness's Artifact interface (memory re-read after every call). */
export function instantiate(bytes: Uint8Array): Artifact {
  const { exports } = new WASM.Instance(new WASM.Module(bytes), {});
  const fn = (name: string) => exports[name] as (...args: number[]) => number;
  const memory = exports.memory as { buffer: ArrayBuffer };
  return {
    qmc_prepare: fn("qmc_prepare"),
    qmc_input: fn("qmc_input"),
    qmc_output: fn("qmc_output"),
    qmc_run: fn("qmc_run"),
    get memory() {
      return memory.buffer;
    },
    meta: {},
    restore: () => {
      throw new Error("wasm artifacts carry no restore helper; the runtime tiles");
    },
  };
}

export function emit(plan: KernelPlan, isa: Isa): Promise<Uint8Array> {
  return emitWasm(plan, { compilerVersion: "test", isa });
}
