import type { SymShape } from "../../../../compiler/plan/kernel-plan.js";
import type { KernelEnv } from "../types.js";

/** Row-major element strides of a shape, each as code. */
export function stridesOf(env: KernelEnv, s: SymShape, name: string): string[] {
  return s.map((_, k) => (k === s.length - 1 ? "1" : env.count(s.slice(k + 1), `${name}${k}`)));
}
