import { hornerF32 } from "./activation.js";
import { ERF_F32 } from "./erf-table.js";

const f32 = Math.fround;

/**
 * The error function of x rounded to float32, every operation in float32 (Math.fround after each)
 * and no table lookup, so that SIMD targets compute it four lanes at a time bit for bit. With
 * a = |x|: below 1, a + a*q(a*a); below ONE, 1 - e(a*SCALE + OFFSET), e fitting erfc; past it 1,
 * which is erf's float32 value there (erf-table.ts, scripts/gen-erf-table.py). Within 1.5 ulp of
 * erf's float32 value (measured on every float32 of [0, 4.5): 94.1% correctly rounded); odd; NaN
 * stays NaN.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const c = ERF_F32;
  const a = Math.abs(f32(x));
  let r = 1;
  if (a < c.smallBelow) {
    r = f32(a + f32(a * hornerF32(c.small, f32(a * a))));
  } else if (a < c.one) {
    r = f32(1 - hornerF32(c.large, f32(f32(a * c.scale) + c.offset)));
  }
  return x < 0 ? -r : r;
}
