/**
 * Measures the float scan's exp32 and softplus32 (compiler/ops/support/scan-math.ts) against float64:
 *   npx tsx scripts/scan-math-accuracy.ts exp [step]       every float32 of [-104, 89] (step 1)
 *   npx tsx scripts/scan-math-accuracy.ts softplus [step]  every 64th float32 of [-104, 20] (step 64)
 * Prints the count, the largest error in float32 ulps at the exact value (2^-149 among the
 * subnormals) and where, and how many results lie 0, 1, 2, ... float32 steps from the correctly
 * rounded one. The numbers quoted in scan-math.ts come from here.
 */
import { exp32, softplus32 } from "../compiler/ops/support/scan-math.js";

const which = process.argv[2] === "softplus" ? "softplus" : "exp";
const step = Number(process.argv[3] ?? (which === "exp" ? 1 : 64));
const [fn, exact, lo, hi] =
  which === "exp" ? [exp32, Math.exp, -104, 89] : [softplus32, (x: number) => Math.log1p(Math.exp(x)), -104, 20];

const f = new Float32Array(1);
const bits = new Int32Array(f.buffer);
const d = new Float64Array(1);
const dHi = new Int32Array(d.buffer);
const bitsOf = (v: number) => {
  f[0] = v;
  return bits[0];
};

/** The float32 ulp at the double e > 0: 2^(exponent - 23), at least 2^-149. */
function ulpAt(e: number): number {
  d[0] = e;
  const exponent = ((dHi[1] >>> 20) & 0x7ff) - 1023;
  return 2 ** Math.max(exponent - 23, -149);
}

let count = 0;
let worst = 0;
let worstAt = 0;
const steps: number[] = [];
function visit(x: number): void {
  const r = fn(x);
  const e = exact(x);
  const rounded = Math.fround(e);
  count++;
  const away = Math.abs(bitsOf(r) - bitsOf(rounded));
  steps[away] = (steps[away] ?? 0) + 1;
  if (rounded === Number.POSITIVE_INFINITY) return;
  const err = Math.abs(r - e) / ulpAt(e);
  if (err > worst) {
    worst = err;
    worstAt = x;
  }
}
// Non-negative float32 bit patterns 0 .. bits(hi), then negative ones from -0 to bits(lo).
for (let b = 0; b <= bitsOf(hi); b += step) {
  bits[0] = b;
  visit(f[0]);
}
for (let b = 0x80000000 | 0, end = bitsOf(lo); b <= end; b += step) {
  bits[0] = b;
  visit(f[0]);
}
const pct = (n: number) => `${((100 * n) / count).toFixed(3)}%`;
console.log(`${which}32 over every ${step === 1 ? "" : `${step}th `}float32 of [${lo}, ${hi}]: ${count} values`);
console.log(`max error ${worst.toFixed(3)} ulp at x = ${worstAt}`);
console.log(
  `float32 steps from the correctly rounded result: ${steps.map((n, k) => `${k}: ${n} (${pct(n ?? 0)})`).join(", ")}`,
);
