import { hornerF32 } from "./activation.js";

/**
 * exp and softplus of the float selective scan (ss2d.ts), in float32 as PyTorch computes its float32
 * scan: every operation rounds to float32, no fused multiply-add, in the fixed order written here,
 * which every target repeats (the js/ts artifacts' qexp32/qsoftplus32, the wasm module's f32
 * functions, and on f32x4 four channels at once), so all agree with this reference bit for bit.
 * Correct rounding is not the contract (PyTorch's own expf is SLEEF's or the C library's); the same
 * float32 on every target is. They replaced float64 fdlibm exp/log1p rounded once, which on f64x2
 * ran two lanes a vector with a division and took most of the float scan's time.
 *
 * Accuracy against float64 (Math.exp, Math.log1p(Math.exp)), measured; the error is |result - exact|
 * in units of the float32 ulp at the exact value (2^-149 among the subnormals):
 * - exp32, exhaustively over every float32 of [-104, 89] (2,239,889,410 values; below it gives +0,
 *   above +inf, as rounding e^x does): max 0.990 ulp (at 70.4031); 99.192% are the correctly
 *   rounded float32, 0.808% the neighbour, none further (`npx tsx scripts/scan-math-accuracy.ts exp`).
 * - softplus32, over every 64th float32 of [-104, 20] (34,717,698 values; above 20 it is v, below
 *   it rounds to +0 as softplus does): max 1.54 ulp; 95.50% correctly rounded, 4.50% one float32
 *   away, 4 values two away, none further (`npx tsx scripts/scan-math-accuracy.ts softplus`).
 *
 * The quantized scan (QSelectiveScan) is the deliberate exception: it tabulates exp per delta code
 * once, outside the step loop, so the cost of float64 fdlibm does not matter there, and it keeps
 * FDLIBM_SCAN_MATH (below), which its targets' tables reproduce.
 */

const f32 = Math.fround;

/**
 * exp32's constants: Cephes expf's. The argument is clamped to [lo, hi] (e^-104 is below half the
 * least subnormal, e^89 above the largest float32, so the clamp only saturates), x = k ln2 + r with
 * k the nearest integer to x log2(e) (ties to even) and ln2 = c1 + c2 (c2 < 0) split so that k * c1 is exact
 * (c1 has 9 significant bits, |k| <= 150); e^r = 1 + r + r^2 p(r) with p of degree 5 on |r| <~ ln2/2.
 */
export const EXP32 = {
  lo: -104,
  hi: 89,
  log2e: f32(Math.LOG2E),
  c1: 0.693359375,
  c2: f32(-2.1219444e-4),
  /** p's coefficients, constant term first (float32 values). */
  poly: [5.0000001201e-1, 1.6666665459e-1, 4.1665795894e-2, 8.3334519073e-3, 1.3981999507e-3, 1.98756915e-4].map(f32),
} as const;

/** 1.5 * 2^23: a float32 of magnitude below 2^22 plus this rounds to an integer (ties to even) exactly. */
export const ROUND_SHIFTER = 12582912;

/**
 * e^x in float32: NaN stays NaN; x clamped to [-104, 89] (Math.min/max keep a NaN), so -inf gives
 * +0 and +inf gives +inf; k = round-half-even(f32(x log2e)); r = f32(f32(x - k c1) - f32(k c2));
 * y = f32(f32(f32(p(r) * f32(r r)) + r) + 1); then y 2^k as f32(f32(y 2^k1) 2^k2), k1 = floor(k / 2),
 * k2 = k - k1: both factors are normal (|k1|, |k2| <= 75) and the first product is exact, so a
 * subnormal or overflowing result rounds once, in the second.
 */
export function exp32(x: number): number {
  const c = EXP32;
  const a = Math.min(Math.max(x, c.lo), c.hi);
  const k = f32(f32(f32(a * c.log2e) + ROUND_SHIFTER) - ROUND_SHIFTER);
  const r = f32(f32(a - f32(k * c.c1)) - f32(k * c.c2));
  const p = hornerF32(c.poly, r);
  const y = f32(f32(f32(p * f32(r * r)) + r) + 1);
  const k1 = Math.floor(k / 2);
  return f32(f32(y * 2 ** k1) * 2 ** (k - k1));
}

/**
 * log1p32's constants: Cephes logf's polynomial (log(1 + f) = f - f^2/2 + f^3 q(f) on
 * sqrt(1/2) - 1 <= f < sqrt(2) - 1), and ln2 as EXP32's c1 + c2.
 */
export const LOG1P32 = {
  sqrt2: f32(Math.SQRT2),
  /** q's coefficients, constant term first (float32 values). */
  poly: [
    3.3333331174e-1, -2.4999993993e-1, 2.0000714765e-1, -1.6668057665e-1, 1.4249322787e-1, -1.2420140846e-1,
    1.167699874e-1, -1.151461031e-1, 7.0376836292e-2,
  ].map(f32),
} as const;

/**
 * log(1 + z) in float32 for z in [0, 1] (exp32's values there): u = f32(1 + z) lies in [1, 2]; with
 * e = 1 where u > sqrt(2) (then m = u / 2), else e = 0 (m = u), f = m - 1 is exact; the rounding
 * error of u, z - (u - 1) (exact), divided by u, corrects log(u) to log(1 + z). In this order:
 *   y = f32(f32(q(f) f) f^2);  y = f32(y + f32(corr + e c2));  y = f32(y - f32(f^2 / 2))
 *   result = f32(f32(f + y) + e c1)
 * with ln2 = c1 + c2 (EXP32's split, c2 < 0), e c1 and e c2 the constants or 0.
 */
export function log1p32(z: number): number {
  const c = LOG1P32;
  const u = f32(1 + z);
  const big = u > c.sqrt2;
  const f = big ? f32(f32(u * 0.5) - 1) : f32(u - 1);
  const corr = f32(f32(z - f32(u - 1)) / u);
  const ff = f32(f * f);
  let y = f32(f32(hornerF32(c.poly, f) * f) * ff);
  y = f32(y + f32(corr + (big ? EXP32.c2 : 0)));
  y = f32(y - f32(ff * 0.5));
  return f32(f32(f + y) + (big ? EXP32.c1 : 0));
}

/** Above this softplus is its argument (PyTorch's threshold, which the exporters keep). */
export const SOFTPLUS_LINEAR_ABOVE = 20;

/**
 * softplus in float32: v for v > 20, else max(v, 0) + log1p32(exp32(-|v|)), the sum rounded once;
 * never overflows; a NaN stays NaN. (Where max's zero could be -0, v = +-0, log1p32(1) = ln2 is
 * added: the sign of that zero never shows, so targets may use a max that keeps it.)
 */
export function softplus32(v: number): number {
  if (v > SOFTPLUS_LINEAR_ABOVE) return v;
  return f32(Math.max(v, 0) + log1p32(exp32(-Math.abs(v))));
}

/** The exp and softplus a selective scan computes with (ss2d.ts), each of a float32 to a float32. */
export interface ScanMath {
  exp(x: number): number;
  softplus(v: number): number;
}

/** The float scan's (SelectiveScan): exp32 and softplus32. */
export const FLOAT32_SCAN_MATH: ScanMath = { exp: exp32, softplus: softplus32 };

/**
 * The quantized scan's (QSelectiveScan): float64 fdlibm exp and log1p (Node's Math.exp and
 * Math.log1p, the artifacts' ports) rounded once to float32; softplus is v above 20.
 */
export const FDLIBM_SCAN_MATH: ScanMath = {
  exp: (x) => f32(Math.exp(x)),
  softplus: (v) => (v > SOFTPLUS_LINEAR_ABOVE ? v : f32(Math.log1p(Math.exp(v)))),
};
