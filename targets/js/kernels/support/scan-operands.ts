import { scanShape } from "../../../shared/scan-shape.js";
import type { KernelEnv } from "../types.js";

/**
 * The arrays and sizes both selective scans take, as parameters in this order: u, delta, A, B, C,
 * the optional D and delta_bias, y, then L (with the shape of shared/scan-shape.ts).
 */
export function scanOperands(env: KernelEnv) {
  const shape = scanShape(env);
  return {
    ...shape,
    softplus: env.int("delta_softplus", 1) !== 0,
    u: env.input(0, "u"),
    delta: env.input(1, "delta"),
    A: env.input(2, "A"),
    Bm: env.input(3, "Bm"),
    Cm: env.input(4, "Cm"),
    D: env.has(5) ? env.input(5, "D") : undefined,
    bias: env.has(6) ? env.input(6, "dbias") : undefined,
    y: env.output(0, "y"),
    L: env.dim(shape.us[2], "L"),
  };
}
