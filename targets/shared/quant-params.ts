import { checkWeightScaleCounts, symmetricWeights } from "../../compiler/quant/integer-matmul.js";
import type { KernelFacts } from "./kernel-params.js";

/** An integer kernel's input quantizer as its params give it (`x_mode`, `x_bits`, ... or a prefix's). */
export interface ActivationParams {
  readonly mode: "act" | "dls" | "linear";
  readonly bits: number;
  readonly signed: boolean;
  /** The code range. */
  readonly qn: number;
  readonly qp: number;
  /** The parameters as given (a linear quantizer's scale and zero point are used as they are). */
  readonly given: readonly number[];
  /** The parameters rounded to float32, as ActQuant and DlsQuant compute with them. */
  readonly f32: readonly number[];
}

/** Reads <prefix>_mode/_bits/_signed/_params (or _w); DlsQuant's eight weights are checked. */
export function activationParams(env: KernelFacts, prefix: string): ActivationParams {
  const mode = env.string(`${prefix}_mode`, "dls") as ActivationParams["mode"];
  const bits = env.int(`${prefix}_bits`);
  const signed = env.int(`${prefix}_signed`, 0) !== 0;
  const params = env.kernel.params[`${prefix}_params`] ?? env.kernel.params[`${prefix}_w`];
  if (!Array.isArray(params)) throw env.error(`missing param '${prefix}_params'`);
  const given = params.map(Number);
  const f32 = given.map((v) => Math.fround(v));
  if (mode === "dls" && f32.length !== 8) throw env.error(`DlsQuant needs 8 parameters, the kernel has ${f32.length}`);
  const [qn, qp] = signed ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
  return { mode, bits, signed, qn, qp, given, f32 };
}

/**
 * An integer kernel's weight scales and offsets (w_alpha, w_beta: one value or one per output
 * channel), and whether the weights are symmetric (every offset 0: the epilogue leaves out their terms).
 */
export function weightScales(env: KernelFacts, channels: number) {
  const alpha = env.kernel.params.w_alpha;
  const beta = env.kernel.params.w_beta;
  if (!Array.isArray(alpha) || !Array.isArray(beta)) throw env.error("missing params 'w_alpha' / 'w_beta'");
  checkWeightScaleCounts(alpha, beta, channels, "param", (message) => env.error(message));
  const [aw, bw] = [alpha.map(Number), beta.map(Number)];
  return { alpha: aw, beta: bw, symmetric: symmetricWeights(bw) };
}
