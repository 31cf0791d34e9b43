import type { KernelPlan } from "../../compiler/plan/kernel-plan.js";
import { loadBinaryen } from "../../targets/wasm/binaryen.js";
import { Fn } from "../../targets/wasm/dsl.js";
import { emitWasm } from "../../targets/wasm/emit.js";
import type { F32Routine } from "../../targets/wasm/f32-ops.js";
import type { Isa } from "../../targets/wasm/kernels/types.js";
import { addMathFunctions, type MathFn } from "../../targets/wasm/math.js";
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

/**
 * A module of the math functions `names`, each exported, and per routine `<name>4_lane<i>(a, b, c,
 * d)`: lane i of its f32x4 written-out form on the four arguments as float32; instantiated.
 */
export async function f32RoutineExports(
  names: Iterable<MathFn>,
  routines: readonly (readonly [MathFn, F32Routine])[],
): Promise<Record<string, (...x: number[]) => number>> {
  const b = await loadBinaryen();
  const m = new b.Module();
  m.setFeatures(b.Features.MVP | b.Features.SIMD128);
  try {
    const all = new Set(names);
    addMathFunctions(b, m, all);
    for (const name of all) m.addFunctionExport(name, name);
    for (const [name, routine] of routines) {
      for (const i of [0, 1, 2, 3]) {
        const f = new Fn(b, m);
        const args = [0, 1, 2, 3].map(() => f.param(b.f64));
        const quad = f.local(b.v128);
        const arg = (k: number) => m.f32.demote(args[k].get());
        let packed = m.f32x4.splat(arg(0));
        for (const k of [1, 2, 3]) packed = m.f32x4.replace_lane(packed, k, arg(k));
        f.build(
          `${name}4_lane${i}`,
          b.f64,
          f.seq([
            quad.set(packed),
            ...routine.inline(f, [quad], [quad]),
            m.return(m.f64.promote(m.f32x4.extract_lane(quad.get(), i))),
          ]),
        );
        m.addFunctionExport(`${name}4_lane${i}`, `${name}4_lane${i}`);
      }
    }
    if (!m.validate()) throw new Error("the math module does not validate");
    return new WASM.Instance(new WASM.Module(m.emitBinary()), {}).exports as Record<string, (...x: number[]) => number>;
  } finally {
    m.dispose();
  }
}
