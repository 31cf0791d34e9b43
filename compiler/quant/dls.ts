import { affineCode, clamp, quantRange } from "./rounding.js";

const fr = Math.fround;

/** The per-call parameters of a DlsQuant, all float32 values. */
export interface DlsParams {
  readonly alpha: number;
  readonly beta: number;
  /** The divisor used for codes: alpha, or 1 for a constant tensor (alpha = 0) so no NaN arises. */
  readonly alphaDiv: number;
  /** The tensor's min and max: the final clip of the dequantized value. */
  readonly min: number;
  readonly max: number;
  readonly qn: number;
  readonly qp: number;
}

/**
 * The statistics' reduction order. Element i goes to lane i mod 8, which keeps its own sum (in
 * double, in element order), minimum and maximum; the lanes then combine as a fixed tree,
 * ((0 1)(2 3))((4 5)(6 7)). Eight independent chains let vector targets sum and compare eight
 * elements a step, and every target follows this order, so their statistics agree bit for bit.
 */
export const DLS_LANES = 8;

/** The lanes' combination: ((l0 l1)(l2 l3))((l4 l5)(l6 l7)). */
export function laneTree(l: readonly number[], op: (a: number, b: number) => number): number {
  return op(op(op(l[0], l[1]), op(l[2], l[3])), op(op(l[4], l[5]), op(l[6], l[7])));
}

/**
 * The lanes' minimum and maximum rules: the earlier value unless the later is smaller (larger), as
 * wasm's f64x2.pmin/pmax. Not Math.min/max: those differ on NaN and on -0 against 0.
 */
// biome-ignore lint/complexity/useMathMinMax: NaN and signed zeros must go as the comparison says.
export const laneMin = (a: number, b: number) => (b < a ? b : a);
// biome-ignore lint/complexity/useMathMinMax: as laneMin.
export const laneMax = (a: number, b: number) => (a < b ? b : a);
const add = (a: number, b: number) => a + b;

/**
 * Statistics and parameters of the dynamic quantizer (QMAMBAIR.md 2.2) over the whole tensor:
 * mean, unbiased std (two-pass), min and max in the lane order of DLS_LANES, then beta and alpha from
 * the eight learned scalars w = [w1..w4, w21..w24], evaluated in the exporter's float32 operation order.
 */
export function dlsParams(x: ArrayLike<number>, w: ArrayLike<number>, bits: number, signed: boolean): DlsParams {
  const n = x.length;
  const sums = new Array<number>(DLS_LANES).fill(0);
  const mins = new Array<number>(DLS_LANES).fill(Number.POSITIVE_INFINITY);
  const maxs = new Array<number>(DLS_LANES).fill(Number.NEGATIVE_INFINITY);
  for (let i = 0; i < n; i++) {
    const v = x[i];
    const k = i % DLS_LANES;
    sums[k] += v;
    mins[k] = laneMin(mins[k], v);
    maxs[k] = laneMax(maxs[k], v);
  }
  const m = laneTree(mins, laneMin);
  const M = laneTree(maxs, laneMax);
  const mu = fr(laneTree(sums, add) / n);
  sums.fill(0);
  for (let i = 0; i < n; i++) {
    const d = fr(x[i] - mu);
    sums[i % DLS_LANES] += d * d;
  }
  const ss = laneTree(sums, add);
  const sd = fr(Math.sqrt(fr(fr(ss) / (n - 1))));
  const [w1, w2, w3, w4, w21, w22, w23, w24] = Array.from(w, fr);
  const beta = fr(fr(fr(fr(w21 * mu) + fr(w22 * sd)) + fr(w23 * m)) + fr(w24 * M));
  const aRaw = Math.abs(
    fr(fr(fr(fr(w1 * Math.abs(fr(mu + beta))) + fr(w2 * sd)) + fr(w3 * fr(m + beta))) + fr(w4 * fr(M + beta))),
  );
  const alpha = Math.min(Math.max(aRaw, fr(1e-6)), fr(fr(M - m) / 2 ** bits));
  const [qn, qp] = quantRange(bits, signed);
  return { alpha, beta, alphaDiv: alpha > 0 ? alpha : 1, min: m, max: M, qn, qp };
}

/** The integer code of one element. */
export function dlsCode(v: number, p: DlsParams): number {
  return affineCode(v, p.alphaDiv, p.beta, p.qn, p.qp);
}

/** The dequantized value of a code: clip(q*alpha - beta, min, max), the 2^b-entry table of 2.2. */
export function dlsValue(q: number, p: DlsParams): number {
  return clamp(fr(fr(q * p.alpha) - p.beta), p.min, p.max);
}

export function dlsQuantize(x: ArrayLike<number>, w: ArrayLike<number>, bits: number, signed: boolean): Float32Array {
  const y = new Float32Array(x.length);
  if (x.length === 0) return y;
  const p = dlsParams(x, w, bits, signed);
  for (let i = 0; i < x.length; i++) y[i] = dlsValue(dlsCode(x[i], p), p);
  return y;
}
