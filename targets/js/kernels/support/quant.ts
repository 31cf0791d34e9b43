import type { KernelEnv } from "../types.js";

/** The bits and integer range of a profile quantizer (QMAMBAIR.md notation). */
export function quantGrid(env: KernelEnv): { bits: number; signed: boolean; qn: number; qp: number } {
  const bits = env.int("bits");
  if (bits < 2 || bits > 8) throw env.error(`attribute 'bits' is ${bits}, expected 2 to 8`);
  const signed = env.int("signed", 0) !== 0;
  return signed
    ? { bits, signed, qn: -(2 ** (bits - 1)), qp: 2 ** (bits - 1) - 1 }
    : { bits, signed, qn: 0, qp: 2 ** bits - 1 };
}

/** A scalar constant input's value. */
export function scalarConstant(env: KernelEnv, i: number, name: string): number {
  const v = env.constant(i);
  if (v?.length !== 1) throw env.error(`input '${name}' must be a constant scalar`);
  return v[0];
}
