import type { KernelValues } from "./run-kernel.js";

export interface Agreement {
  /** Largest |a - b| over pairs where both are finite. */
  readonly maxAbs: number;
  /** Largest distance in float32 units in the last place (for integers: the largest |a - b|). */
  readonly maxUlp: number;
  /** Every element bit-identical (NaN matching NaN). */
  readonly exact: boolean;
  /** Pairs where one side is NaN or infinite and the other is not the same. */
  readonly nonFinite: number;
}

const BITS = new Int32Array(1);
const FLOAT = new Float32Array(BITS.buffer);

/** A float32's position on the number line in ULPs: consecutive floats differ by 1, and -0 = +0. */
function ordinal(x: number): number {
  FLOAT[0] = x;
  const b = BITS[0];
  return b < 0 ? -(b & 0x7fffffff) : b;
}

/** How closely two targets' outputs of one kernel agree, over all its outputs. */
export function agreement(a: readonly KernelValues[], b: readonly KernelValues[]): Agreement {
  let maxAbs = 0;
  let maxUlp = 0;
  let exact = a.length === b.length;
  let nonFinite = 0;
  a.forEach((x, k) => {
    const y = b[k];
    if (!y || y.length !== x.length) {
      exact = false;
      return;
    }
    const float = x instanceof Float32Array;
    for (let i = 0; i < x.length; i++) {
      const u = x[i];
      const v = y[i];
      if (Object.is(u, v) || (Number.isNaN(u) && Number.isNaN(v))) continue;
      exact = false;
      if (!Number.isFinite(u) || !Number.isFinite(v)) {
        nonFinite++;
        continue;
      }
      const d = Math.abs(u - v);
      if (d > maxAbs) maxAbs = d;
      const ulp = float ? Math.abs(ordinal(u) - ordinal(v)) : d;
      if (ulp > maxUlp) maxUlp = ulp;
    }
  });
  return { maxAbs, maxUlp, exact, nonFinite };
}
