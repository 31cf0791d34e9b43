import { QmcError } from "../../compiler/diagnostics.js";
import type { PlanKernel } from "../../compiler/plan/kernel-plan.js";
import { commentText } from "./names.js";

/**
 * What every target's kernel environment reads the same way: errors that name the kernel, which
 * inputs are present, and the kernel's attributes (ONNX defaults are the generator's fallbacks).
 */
export abstract class KernelParams {
  constructor(
    readonly kernel: PlanKernel,
    readonly index: number,
  ) {}

  error(what: string): QmcError {
    const from = this.kernel.sources.length ? ` from ${this.kernel.sources.map((s) => `'${s}'`).join(", ")}` : "";
    return new QmcError(`kernel #${this.index} '${this.kernel.name}' (${this.kernel.kind}${from}): ${what}`);
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

  ints(name: string, fallback?: readonly number[]): readonly number[] {
    const v = this.attr(name, fallback);
    if (!Array.isArray(v) || v.some((x) => typeof x !== "number" || !Number.isInteger(x))) {
      throw this.error(`param '${name}' is ${commentText(String(v))}, expected a list of integers`);
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
