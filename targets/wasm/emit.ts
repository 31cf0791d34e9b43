import { QmcError } from "../../compiler/diagnostics.js";
import type { KernelPlan } from "../../compiler/plan/kernel-plan.js";
import { ABI_ERRORS } from "../js/module.js";
import { artifactMeta } from "../shared/meta.js";
import { asciiJson } from "../shared/names.js";
import { generateAll } from "../shared/unsupported.js";
import { type Binaryen, type Ex, loadBinaryen, type WasmModule } from "./binaryen.js";
import { Fn } from "./dsl.js";
import { WasmKernelEnvImpl } from "./kernel-env.js";
import { WASM_KERNELS } from "./kernels/index.js";
import type { Isa, WasmKernelGenerator } from "./kernels/types.js";
import { Layout } from "./layout.js";
import { addMathFunctions, type MathFn } from "./math.js";
import { addPrepare, WEIGHTS_READY } from "./prepare.js";
import { SharedFunctions } from "./shared-functions.js";

export interface WasmEmitOptions {
  readonly compilerVersion: string;
  readonly isa: Isa;
  /** The target name recorded in meta (default: wasm, wasm-simd or wasm-relaxed by ISA). */
  readonly target?: string;
}

export const ISA_TARGET: Readonly<Record<Isa, string>> = { mvp: "wasm", simd: "wasm-simd", relaxed: "wasm-relaxed" };

/** The optimizer's settings, fixed so that the same plan always gives the same bytes. */
const OPTIMIZE_LEVEL = 2;
const SHRINK_LEVEL = 1;
const MEMORY = "memory";

function features(b: Binaryen, isa: Isa): number {
  const F = b.Features;
  if (isa === "mvp") return F.MVP;
  return isa === "simd" ? F.SIMD128 : F.SIMD128 | F.RelaxedSIMD;
}

/** One function per kernel, equal bodies shared; returns the calls qmc_run makes, in plan order. */
function addKernels(b: Binaryen, m: WasmModule, plan: KernelPlan, layout: Layout, isa: Isa, target: string) {
  const functions = new SharedFunctions(b);
  const math = new Set<MathFn>();
  const calls = generateAll(plan, target, WASM_KERNELS, (kernel, index) => {
    const gen = WASM_KERNELS.get(kernel.kind) as WasmKernelGenerator;
    const fn = new Fn(b, m);
    const env = new WasmKernelEnvImpl(layout, kernel, index, isa, fn, functions);
    const code = gen(env);
    for (const name of env.mathUsed) math.add(name);
    const name = functions.add(code.spec, fn, fn.seq(code.body));
    return m.call(
      name,
      env.args.map((a) => a()),
      b.none,
    );
  });
  return { calls, math };
}

function addGlobals(b: Binaryen, m: WasmModule, layout: Layout): void {
  const i32 = (name: string) => m.addGlobal(name, b.i32, true, m.i32.const(0));
  i32("prepared");
  i32("scratch");
  if (layout.preparesWeights) i32(WEIGHTS_READY);
  for (const buf of layout.plan.buffers) i32(layout.bufferGlobal(buf.id));
  for (const name of layout.dims.keys()) i32(name);
}

function addAbi(b: Binaryen, m: WasmModule, layout: Layout, calls: Ex[]): void {
  const plan = layout.plan;
  const getter = (name: string, buffer: number) =>
    m.addFunction(name, b.none, b.i32, [], m.global.get(layout.bufferGlobal(buffer), b.i32));
  getter("qmc_input", plan.input);
  getter("qmc_output", plan.output);
  m.addFunction(
    "qmc_run",
    b.none,
    b.i32,
    [],
    m.block(null, [
      m.if(m.i32.eqz(m.global.get("prepared", b.i32)), m.return(m.i32.const(ABI_ERRORS.notPrepared))),
      ...calls,
      m.return(m.i32.const(0)),
    ]),
  );
  for (const name of ["qmc_prepare", "qmc_input", "qmc_output", "qmc_run"]) m.addFunctionExport(name, name);
}

/**
 * The wasm targets: one module that imports nothing and carries its weights as data segments.
 * Exports `memory`, qmc_prepare(h, w), qmc_input(), qmc_output(), qmc_run(); the `qmc.meta` custom
 * section holds the same meta JSON as the js artifacts.
 */
export async function emitWasm(plan: KernelPlan, options: WasmEmitOptions): Promise<Uint8Array> {
  if (!plan.buffers.some((x) => x.id === plan.input) || !plan.buffers.some((x) => x.id === plan.output)) {
    throw new QmcError("plan's input or output is not one of its buffers");
  }
  const target = options.target ?? ISA_TARGET[options.isa];
  const b = await loadBinaryen();
  const m = new b.Module();
  try {
    m.setFeatures(features(b, options.isa));
    // Loads and stores bind to the memory when built, so it exists first; sized and filled below.
    m.setMemory(1, 65536, null, [], false, false, MEMORY);
    const layout = new Layout(plan, b, m);
    const { calls, math } = addKernels(b, m, plan, layout, options.isa, target);
    addMathFunctions(b, m, math);
    addGlobals(b, m, layout);
    // The memory exists before qmc_prepare refers to it; kernels have added their static data by now.
    const segments = layout.segments().map((s) => ({ offset: m.i32.const(s.offset), data: s.data }));
    m.setMemory(Math.max(1, Math.ceil(layout.arenaBase / 65536)), 65536, "memory", segments, false, false, MEMORY);
    addPrepare(b, m, layout);
    addAbi(b, m, layout, calls);
    const meta = artifactMeta(plan, target, options.compilerVersion);
    m.addCustomSection("qmc.meta", new TextEncoder().encode(asciiJson(meta)));
    if (!m.validate()) throw new QmcError(`${target}: the generated module does not validate (a qmc bug)`);
    b.setOptimizeLevel(OPTIMIZE_LEVEL);
    b.setShrinkLevel(SHRINK_LEVEL);
    // Kernels stay functions of their own, named with their specialisation in the name section.
    b.setDebugInfo(true);
    b.setOneCallerInlineMaxSize(0);
    b.setFlexibleInlineMaxSize(0);
    b.setAlwaysInlineMaxSize(0);
    m.optimize();
    return m.emitBinary();
  } finally {
    m.dispose();
  }
}
