import { type DlsParams, dlsCode, dlsParams, dlsValue } from "./dls.js";
import { affineCode, affineValue, clamp, quantRange, roundHalfEven } from "./rounding.js";

/**
 * How an integer kernel's activation input is quantized, as recorded on qmc.QMatMul / qmc.QConv:
 *  - act:    ActQuant, params [alpha, beta]: code = round(clip((x+beta)/alpha)), value = q*alpha - beta
 *  - dls:    DlsQuant, params w1..w4, w21..w24: alpha, beta from the tensor's statistics per call
 *  - linear: QuantizeLinear, params [scale, zero_point]: code = clip(round(x/scale) + zp), value = (q-zp)*scale
 */
export interface ActivationQuant {
  readonly mode: "act" | "dls" | "linear";
  readonly bits: number;
  readonly signed: boolean;
  readonly params: readonly number[];
}

/**
 * The codes of one activation tensor and the affine map back to values: value = q*alpha - beta,
 * except for the few codes listed in `corrections` (DlsQuant's final clip to [min, max] moves the
 * extreme codes off the affine line), whose value is q*alpha - beta + delta.
 */
export interface QuantizedActivation {
  readonly codes: Int32Array;
  readonly alpha: number;
  readonly beta: number;
  readonly corrections: readonly { readonly code: number; readonly delta: number }[];
}

export function quantizeActivation(x: ArrayLike<number>, q: ActivationQuant): QuantizedActivation {
  const codes = new Int32Array(x.length);
  if (q.mode === "dls") {
    const p = dlsParams(x, q.params, q.bits, q.signed);
    for (let i = 0; i < x.length; i++) codes[i] = dlsCode(x[i], p);
    return { codes, alpha: p.alpha, beta: p.beta, corrections: dlsCorrections(p) };
  }
  const [qn, qp] = quantRange(q.bits, q.signed);
  if (q.mode === "act") {
    const [alpha, beta] = q.params.map(Math.fround);
    for (let i = 0; i < x.length; i++) codes[i] = affineCode(x[i], alpha, beta, qn, qp);
    return { codes, alpha, beta, corrections: [] };
  }
  const [scale, zeroPoint] = q.params;
  for (let i = 0; i < x.length; i++) codes[i] = clamp(roundHalfEven(Math.fround(x[i] / scale)) + zeroPoint, qn, qp);
  return { codes, alpha: scale, beta: zeroPoint * scale, corrections: [] };
}

/** Codes whose dequantized value the clip to [min, max] changes, with the change. */
function dlsCorrections(p: DlsParams): { code: number; delta: number }[] {
  const out: { code: number; delta: number }[] = [];
  for (let q = p.qn; q <= p.qp; q++) {
    const delta = dlsValue(q, p) - affineValue(q, p.alpha, p.beta);
    if (delta !== 0) out.push({ code: q, delta });
  }
  return out;
}

/** The dequantized value of a code, corrections included. */
export function activationValue(a: QuantizedActivation, code: number): number {
  let v = code * a.alpha - a.beta;
  for (const c of a.corrections) if (c.code === code) v += c.delta;
  return v;
}
