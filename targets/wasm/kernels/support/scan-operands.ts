import { scanShape } from "../../../shared/scan-shape.js";
import type { WasmKernelEnv } from "../types.js";

/**
 * The arrays and sizes both selective scans take, as parameters in this order: u, delta, A, B, C,
 * the optional D and delta_bias, y, then L (with the shape of shared/scan-shape.ts).
 */
export function scanOperands(env: WasmKernelEnv) {
  const shape = scanShape(env);
  return {
    ...shape,
    softplus: env.int("delta_softplus", 1) !== 0,
    u: env.input(0),
    delta: env.input(1),
    A: env.input(2),
    Bm: env.input(3),
    Cm: env.input(4),
    D: env.has(5) ? env.input(5) : undefined,
    bias: env.has(6) ? env.input(6) : undefined,
    y: env.output(0),
    L: env.dim(shape.us[2]),
  };
}
