import type { CodeWriter } from "../../../shared/code-writer.js";
import type { KernelEnv } from "../types.js";
import { type ActivationQuantCode, lit } from "./activation-quant.js";

/**
 * The weight side of an integer kernel (w_alpha, w_beta: one value or one per output channel) and
 * the float epilogue that turns the exact integer sums back into the product of dequantized values,
 * in the operation order of compiler/quant/integer-matmul.ts (so js results equal the reference's):
 *   y = qa*aw*acc - qa*bw*sx - qb*aw*sw + cnt*qb*bw  (+ dlo*(aw*swlo - bw*nlo) + dhi*(...)), rounded to f32.
 */
export function weightParams(
  w: CodeWriter,
  env: KernelEnv,
  channels: number,
): { aw: (c: string) => string; bw: (c: string) => string } {
  const alpha = env.kernel.params.w_alpha;
  const beta = env.kernel.params.w_beta;
  if (!Array.isArray(alpha) || !Array.isArray(beta)) throw env.error("missing params 'w_alpha' / 'w_beta'");
  for (const [name, v] of [
    ["w_alpha", alpha],
    ["w_beta", beta],
  ] as const) {
    if (v.length !== 1 && v.length !== channels)
      throw env.error(`param '${name}' has ${v.length} values, expected 1 or ${channels}`);
  }
  if (alpha.length === 1) {
    w.line(`var aw0 = ${lit(Number(alpha[0]))}, bw0 = ${lit(Number(beta[0]))};`);
    return { aw: () => "aw0", bw: () => "bw0" };
  }
  w.line(`var AW = [${alpha.map((v) => lit(Number(v))).join(", ")}];`);
  w.line(`var BW = [${beta.map((v) => lit(Number(v))).join(", ")}];`);
  return { aw: (c) => `AW[${c}]`, bw: (c) => `BW[${c}]` };
}

/** Declares the per-output accumulators the epilogue reads. */
export const ACCUMULATORS = "var acc, sx, sw, cnt, swlo, nlo, swhi, nhi;";

export function resetAccumulators(w: CodeWriter): void {
  w.line("acc = 0; sx = 0; sw = 0; cnt = 0; swlo = 0; nlo = 0; swhi = 0; nhi = 0;");
}

/** Accumulates one (activation code, weight code) pair. */
export function accumulate(w: CodeWriter, q: ActivationQuantCode, qx: string, qw: string): void {
  w.line(`acc += ${qx} * ${qw}; sx += ${qx}; sw += ${qw}; cnt++;`);
  if (q.mode === "dls") {
    w.line(`if (${qx} === qlo) { swlo += ${qw}; nlo++; } else if (${qx} === qhi) { swhi += ${qw}; nhi++; }`);
  }
}

/** The epilogue's value for channel expressions aw, bw, as an ES5 expression statement into `target`. */
export function writeEpilogue(w: CodeWriter, q: ActivationQuantCode, aw: string, bw: string, target: string): void {
  w.line(`${target} = qa * ${aw} * acc - qa * ${bw} * sx - qb * ${aw} * sw + cnt * qb * ${bw};`);
  if (q.mode === "dls") {
    w.line(`if (dlo !== 0) ${target} += dlo * (${aw} * swlo - ${bw} * nlo);`);
    w.line(`if (dhi !== 0) ${target} += dhi * (${aw} * swhi - ${bw} * nhi);`);
  }
}
