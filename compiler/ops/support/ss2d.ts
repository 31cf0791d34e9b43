/**
 * The SS2D scan orders and the selective scan (QMAMBAIR.md section 1), as plain reference loops.
 * Direction k of a (H, W) map visits position p = h*W + w at step:
 *   k=0: p (row-major)   k=1: w*H + h (column-major)   k=2: L-1-p   k=3: L-1-(w*H + h)
 */
export function scanStep(k: number, h: number, w: number, H: number, W: number): number {
  const L = H * W;
  switch (k) {
    case 0:
      return h * W + w;
    case 1:
      return w * H + h;
    case 2:
      return L - 1 - (h * W + w);
    default:
      return L - 1 - (w * H + h);
  }
}

/** softplus as the exporter defines it: v for v > 20, else log1p(exp(v)). */
export function softplus(v: number): number {
  return v > 20 ? v : Math.log1p(Math.exp(v));
}

export interface ScanShapes {
  readonly batch: number;
  /** Directions (groups) G and channels per direction E: u has G*E channels. */
  readonly groups: number;
  readonly channels: number;
  readonly states: number;
  readonly length: number;
}

/**
 * h[n] = exp(dt*A[d,n]) * h[n] + dt * B[g,n,t] * u[d,t];  y[d,t] = sum_n C[g,n,t] h[n] + D[d] u[d,t],
 * with dt = softplus(delta + delta_bias) (or without softplus). State and sums in float64, output
 * rounded to float32: the reference is at least as accurate as the float32 kernels it judges.
 */
export function selectiveScan(
  s: ScanShapes,
  u: ArrayLike<number>,
  delta: ArrayLike<number>,
  A: ArrayLike<number>,
  B: ArrayLike<number>,
  C: ArrayLike<number>,
  D: ArrayLike<number> | undefined,
  deltaBias: ArrayLike<number> | undefined,
  deltaSoftplus: boolean,
): Float32Array {
  const { batch, groups, channels: E, states: N, length: L } = s;
  const GE = groups * E;
  const y = new Float32Array(batch * GE * L);
  const h = new Float64Array(N);
  for (let b = 0; b < batch; b++) {
    for (let d = 0; d < GE; d++) {
      const g = Math.floor(d / E);
      const row = (b * GE + d) * L;
      const bc = (b * groups + g) * N * L;
      const bias = deltaBias ? deltaBias[d] : 0;
      const skip = D ? D[d] : 0;
      h.fill(0);
      for (let t = 0; t < L; t++) {
        const raw = Math.fround(delta[row + t] + bias);
        const dt = deltaSoftplus ? softplus(raw) : raw;
        const x = u[row + t];
        let acc = 0;
        for (let n = 0; n < N; n++) {
          h[n] = Math.exp(dt * A[d * N + n]) * h[n] + dt * B[bc + n * L + t] * x;
          acc += C[bc + n * L + t] * h[n];
        }
        y[row + t] = acc + skip * x;
      }
    }
  }
  return y;
}
