import { ERF_COEFFICIENTS, ERF_DEGREE } from "./erf-table.js";

/**
 * The error function to double precision (about 2 ulps), which JS's Math lacks, defined so that
 * every target can compute it bit for bit and fast: below |x| = 6, |x| times a degree-13 polynomial
 * of its interval of width 1/2 (erf-table.ts, scripts/gen-erf-table.py), by Horner in double;
 * past 6 erfc is below half an ulp of 1. A table lookup and 14 multiply-adds, with no loop whose
 * length depends on x, so vector lanes stay in step.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const a = Math.abs(x);
  const r = a < 6 ? a * erfOverA(a) : 1;
  return x < 0 ? -r : r;
}

/** erf(a)/a for 0 <= a < 6: interval i = floor(2a), t = 4a - (2i + 1) in [-1, 1), both exact. */
export function erfOverA(a: number): number {
  const i = Math.trunc(2 * a);
  const t = 4 * a - (2 * i + 1);
  const c = i * (ERF_DEGREE + 1);
  let p = ERF_COEFFICIENTS[c + ERF_DEGREE];
  for (let k = ERF_DEGREE - 1; k >= 0; k--) p = p * t + ERF_COEFFICIENTS[c + k];
  return p;
}
