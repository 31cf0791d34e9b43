import { wasmFeatures } from "../../runtime/core/best.js";
import { emitJs } from "../../targets/js/emit.js";
import { JS_KERNELS } from "../../targets/js/kernels/index.js";
import { emitTs } from "../../targets/ts/emit.js";
import { emitWasm } from "../../targets/wasm/emit.js";
import { WASM_KERNELS } from "../../targets/wasm/kernels/index.js";
import { QmcError } from "../diagnostics.js";
import type { SizeRequest } from "../plan/input-size.js";
import type { KernelPlan } from "../plan/kernel-plan.js";
import { compilerVersion } from "../version.js";
import { planModelFile } from "./load-plan.js";

/** A target: its artifact's file extension, its emitter and its kernel generators by kind. */
export interface Target {
  readonly extension: string;
  readonly generators: ReadonlyMap<string, unknown>;
  /** Text targets emit at once; the wasm targets load binaryen first. */
  readonly emit: (plan: KernelPlan) => string | Uint8Array | Promise<Uint8Array>;
}

export const TARGETS: ReadonlyMap<string, Target> = new Map<string, Target>([
  [
    "js",
    {
      extension: ".js",
      generators: JS_KERNELS,
      emit: (plan) => emitJs(plan, { compilerVersion: compilerVersion(), target: "js" }),
    },
  ],
  [
    "ts",
    {
      extension: ".ts",
      generators: JS_KERNELS,
      emit: (plan) => emitTs(plan, { compilerVersion: compilerVersion(), target: "ts" }),
    },
  ],
  [
    "wasm",
    {
      extension: ".wasm",
      generators: WASM_KERNELS,
      emit: (plan) => emitWasm(plan, { compilerVersion: compilerVersion(), isa: "mvp" }),
    },
  ],
  [
    "wasm-simd",
    {
      extension: ".wasm",
      generators: WASM_KERNELS,
      emit: (plan) => emitWasm(plan, { compilerVersion: compilerVersion(), isa: "simd" }),
    },
  ],
  [
    "wasm-relaxed",
    {
      extension: ".wasm",
      generators: WASM_KERNELS,
      emit: (plan) => emitWasm(plan, { compilerVersion: compilerVersion(), isa: "relaxed" }),
    },
  ],
]);

export function targetNamed(name: string): Target {
  const t = TARGETS.get(name);
  if (!t) throw new QmcError(`unknown target '${name}' (available: ${[...TARGETS.keys()].join(", ")})`);
  return t;
}

/** The best target this host runs, best first: relaxed SIMD where its int8 dot works, SIMD, plain wasm, js. */
export function bestTargetHere(): string {
  const features = wasmFeatures();
  if (features.relaxedSimd) return "wasm-relaxed";
  if (features.simd) return "wasm-simd";
  return features.wasm ? "wasm" : "js";
}

/**
 * The artifact `qmc run MODEL.onnx` and `qmc eval MODEL.onnx` restore with: the model compiled in
 * memory for `target`, by default the best one this host runs (bestTargetHere).
 */
export async function compileModelForRun(
  path: string,
  options: { size?: SizeRequest; target?: string } = {},
): Promise<{ artifact: string | Uint8Array; target: string }> {
  const target = options.target ?? bestTargetHere();
  const emitter = targetNamed(target);
  const { plan } = planModelFile(path, options.size ?? {});
  return { artifact: await emitter.emit(plan), target };
}
