import { affineValue, clamp, quantRange } from "./rounding.js";

const fr = Math.fround;

/**
 * RFA weight rounding (QMAMBAIR.md 2.3): the signed code of each weight, from thresholds at the
 * midpoints of the learned allocation points a (2^b of them): the largest i in 1..2^b-1 with
 * u > t_i (strictly), minus 2^(b-1).
 */
export function rfaCodes(
  w: ArrayLike<number>,
  alpha: number,
  beta: number,
  a: ArrayLike<number>,
  bits: number,
): Int8Array {
  const levels = 2 ** bits;
  if (a.length !== levels)
    throw new Error(`RfaQuant: ${a.length} allocation points given, ${levels} expected for ${bits} bits`);
  const [qn, qp] = quantRange(bits, true);
  const t = new Float64Array(levels);
  for (let i = 1; i < levels; i++) t[i] = fr(fr(fr(a[i - 1]) + fr(a[i])) * 0.5);
  const al = fr(alpha);
  const be = fr(beta);
  const q = new Int8Array(w.length);
  for (let j = 0; j < w.length; j++) {
    const u = clamp(fr(fr(w[j] + be) / al), qn, qp);
    let k = 0;
    for (let i = levels - 1; i >= 1; i--) {
      if (u > t[i]) {
        k = i;
        break;
      }
    }
    q[j] = k + qn;
  }
  return q;
}

export function rfaDequantize(codes: ArrayLike<number>, alpha: number, beta: number): Float32Array {
  const y = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) y[i] = affineValue(codes[i], fr(alpha), fr(beta));
  return y;
}
