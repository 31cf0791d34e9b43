import { emitJs } from "../../targets/js/emit.js";
import { emitTs } from "../../targets/ts/emit.js";
import { emitWasm } from "../../targets/wasm/emit.js";
import { QmcError } from "../diagnostics.js";
import type { KernelPlan } from "../plan/kernel-plan.js";
import { compilerVersion } from "../version.js";
import { planModelFile } from "./load-plan.js";

/** A target: its artifact's file extension and its emitter. */
interface Target {
  readonly extension: string;
  /** Text targets emit at once; the wasm targets load binaryen first. */
  readonly emit: (plan: KernelPlan) => string | Uint8Array | Promise<Uint8Array>;
}

export const TARGETS: ReadonlyMap<string, Target> = new Map<string, Target>([
  ["js", { extension: ".js", emit: (plan) => emitJs(plan, { compilerVersion: compilerVersion(), target: "js" }) }],
  ["ts", { extension: ".ts", emit: (plan) => emitTs(plan, { compilerVersion: compilerVersion(), target: "ts" }) }],
  ["wasm", { extension: ".wasm", emit: (plan) => emitWasm(plan, { compilerVersion: compilerVersion(), isa: "mvp" }) }],
  [
    "wasm-simd",
    { extension: ".wasm", emit: (plan) => emitWasm(plan, { compilerVersion: compilerVersion(), isa: "simd" }) },
  ],
  [
    "wasm-relaxed",
    { extension: ".wasm", emit: (plan) => emitWasm(plan, { compilerVersion: compilerVersion(), isa: "relaxed" }) },
  ],
]);

export function targetNamed(name: string): Target {
  const t = TARGETS.get(name);
  if (!t) throw new QmcError(`unknown target '${name}' (available: ${[...TARGETS.keys()].join(", ")})`);
  return t;
}

/** The artifact `qmc run MODEL.onnx` uses: the model compiled in memory for the js target. */
export async function compileModelForRun(path: string): Promise<string | Uint8Array> {
  return await targetNamed("js").emit(planModelFile(path).plan);
}
