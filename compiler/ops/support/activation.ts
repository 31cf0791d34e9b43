/** max(x, 0), with Math.max's NaN -> NaN and -0 -> 0. */
export function relu(x: number): number {
  return Math.max(x, 0);
}

const f32 = Math.fround;

/**
 * The constants of `sigmoid`, which the js and wasm targets compute with: exp's reduction
 * a = k ln2 + r splits ln2 so that k * LN2_HI is exact for |k| <= 150, and e^r is 1 + r + r^2 p(r)
 * with p of degree 4: the Chebyshev interpolant of (e^r - 1 - r) / r^2 on |r| <= 1.04 ln2/2 (40-digit
 * arithmetic, then each coefficient rounded to float32): 1 + r + r^2 p(r) is within 1.4e-8 of e^r,
 * relatively, there (under a quarter ulp). It replaced the degree-5 Taylor polynomial (1/2 ... 1/7!),
 * one multiply and one add more per sigmoid, at the same measured accuracy of `sigmoid` (below).
 */
export const SIGMOID_F32 = {
  /** Arguments below this give e^a = 0 in float32 anyway; the clamp keeps k >= -150, so 2^(k+64) is normal. */
  floor: -104,
  log2e: f32(Math.LOG2E),
  ln2Hi: 0.693359375,
  ln2Lo: f32(Math.LN2 - 0.693359375),
  /** p's coefficients, constant term first (float32 values). */
  poly: [0.5, 0.16666561365127563, 0.041666533797979355, 0.008365617133677006, 0.0013929229462519288],
} as const;

/** The polynomial with `coefficients` (constant term first) at v, by Horner in float32 steps. */
export function hornerF32(coefficients: readonly number[], v: number): number {
  let p = coefficients[coefficients.length - 1];
  for (let i = coefficients.length - 2; i >= 0; i--) p = f32(f32(p * v) + coefficients[i]);
  return p;
}

/**
 * Logistic sigmoid of x rounded to float32, every operation in float32 (Math.fround after each), so
 * that SIMD targets compute it four lanes at a time bit for bit: e = e^(-|x|) by range reduction,
 * the polynomial above and 2^k as 2^(k+64) times 2^-64 (the first product is exact, the second
 * rounds once, into the subnormals where it must), then 1/(1 + e) for x >= 0 and e/(1 + e) below.
 * Within 2 ulp of the exact sigmoid's float32 value (measured against float64 on every 31st float32
 * bit pattern of |x| <= 110, 72 million values: 94.40% exact, 5.58% 1 ulp, 0.011% 2 ulp, as with
 * the Taylor polynomial before; test/wasm/math.test.ts checks 40,000);
 * NaN stays NaN; no overflow anywhere.
 */
export function sigmoid(x: number): number {
  const c = SIGMOID_F32;
  const a = Math.max(-Math.abs(f32(x)), c.floor);
  const k = Math.floor(f32(f32(a * c.log2e) + 0.5));
  const r = f32(f32(a - f32(k * c.ln2Hi)) - f32(k * c.ln2Lo));
  const p = hornerF32(c.poly, r);
  const er = f32(f32(f32(f32(r * r) * p) + r) + 1);
  const e = f32(f32(er * 2 ** (k + 64)) * 2 ** -64);
  return x >= 0 ? f32(1 / f32(1 + e)) : f32(e / f32(1 + e));
}

/** log(1 + exp(x)) without overflow for large x or loss of precision for very negative x. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}
