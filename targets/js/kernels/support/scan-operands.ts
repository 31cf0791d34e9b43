import type { CodeWriter } from "../../../shared/code-writer.js";
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

/**
 * One state of one scan step, in float32 through r (a Float32Array(3)) with r[1] holding the
 * state's decay times its old value: h = decay*h + (dt*B)*u, then acc += C*h (both scans' order).
 */
export function writeStateUpdate(w: CodeWriter, o: { Bm: string; Cm: string }, dt: string, state: string): void {
  w.line(`r[2] = ${dt} * ${o.Bm}[at];`);
  w.line("r[2] = r[2] * xv;");
  w.line(`${state} = r[1] + r[2];`);
  w.line(`r[1] = ${o.Cm}[at] * ${state};`);
  w.line("r[0] = r[0] + r[1];");
}

/**
 * y = acc + D*u (float32), or acc without D: the end of both scans' step. With `merged` (the
 * quantized scan's merge = 1), y is added into the merged output at element `merged.at` instead,
 * rounded to float32, except by the first direction (`merged.first`), which stores it.
 */
export function writeScanOutput(
  w: CodeWriter,
  o: { D?: string; y: string; merged?: { at: string; first: string } },
): void {
  if (o.D) {
    w.line(`r[1] = ${o.D}[d] * xv;`);
    w.line("r[0] = r[0] + r[1];");
  }
  if (o.merged) {
    const { at, first } = o.merged;
    w.line(`${o.y}[${at}] = ${first} ? r[0] : ${o.y}[${at}] + r[0];`);
  } else {
    w.line(`${o.y}[row + t] = r[0];`);
  }
}
