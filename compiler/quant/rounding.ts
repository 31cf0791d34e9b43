/** Rounding and ranges shared by every quantizer (QMAMBAIR.md notation). */

const fr = Math.fround;

/** Round half to even, as ONNX Round and torch.round. */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  const r = d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  // Keep the sign of zero: round(-0.4) is -0 in IEEE arithmetic.
  return r === 0 && v < 0 ? -0 : r;
}

/** Integer range [Qn, Qp] of a b-bit grid. */
export function quantRange(bits: number, signed: boolean): readonly [number, number] {
  return signed ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
}

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : Math.min(v, hi);
}

/**
 * The code of x on an affine grid, in the order float32 arithmetic evaluates it in PyTorch:
 * round(clip((x + beta) / alpha, Qn, Qp)), every intermediate rounded to float32.
 */
export function affineCode(x: number, alpha: number, beta: number, qn: number, qp: number): number {
  return roundHalfEven(clamp(fr(fr(x + beta) / alpha), qn, qp));
}

/** q * alpha - beta in float32. */
export function affineValue(q: number, alpha: number, beta: number): number {
  return fr(fr(q * alpha) - beta);
}
