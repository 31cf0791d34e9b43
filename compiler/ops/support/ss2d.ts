import type { ScanMath } from "./scan-math.js";

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

const f32 = Math.fround;

export interface ScanShapes {
  readonly batch: number;
  /** Directions (groups) G and channels per direction E: u has G*E channels. */
  readonly groups: number;
  readonly channels: number;
  readonly states: number;
  readonly length: number;
}

/**
 * The selective scan in float32, as PyTorch's selective_scan_ref computes it: every operation
 * rounds to float32, in this order, for each channel d (direction g = floor(d / E)), step t:
 *   raw = delta[d,t] + delta_bias[d]            (no bias: raw = delta[d,t])
 *   dt  = softplus(raw)                         (without delta_softplus dt = raw)
 *   for n ascending (h[n] = +0 before t = 0; acc = +0 before n = 0):
 *     dA   = exp(dt * A[d,n])
 *     dBu  = (dt * B[g,n,t]) * u[d,t]
 *     h[n] = dA * h[n] + dBu                    (the product rounded, then the sum)
 *     acc  = acc + C[g,n,t] * h[n]
 *   y[d,t] = acc + D[d] * u[d,t]                (no D: y = acc)
 * exp and softplus are `math`'s: the float scan's FLOAT32_SCAN_MATH (scan-math.ts) computes them
 * in float32 too, a fixed sequence of float32 operations, as PyTorch's float32 scan does (not
 * correctly rounded; scan-math.ts states their measured accuracy): float64 exp and log1p took two
 * lanes of f64x2 and a division each, most of the scan's time. The quantized scan keeps float64
 * fdlibm rounded once (FDLIBM_SCAN_MATH), which it tabulates per delta code. No fused multiply-add
 * and no reassociation anywhere, so targets that run channels side by side in float32 lanes (f32x4:
 * four channels a step) reproduce it bit for bit.
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
  math: ScanMath,
): Float32Array {
  const { batch, groups, channels: E, states: N, length: L } = s;
  const GE = groups * E;
  const y = new Float32Array(batch * GE * L);
  const h = new Float32Array(N);
  for (let b = 0; b < batch; b++) {
    for (let d = 0; d < GE; d++) {
      const g = Math.floor(d / E);
      const row = (b * GE + d) * L;
      const bc = (b * groups + g) * N * L;
      h.fill(0);
      for (let t = 0; t < L; t++) {
        const raw = deltaBias ? f32(delta[row + t] + deltaBias[d]) : delta[row + t];
        const dt = deltaSoftplus ? math.softplus(raw) : raw;
        const x = u[row + t];
        let acc = 0;
        for (let n = 0; n < N; n++) {
          const dA = math.exp(f32(dt * A[d * N + n]));
          const dBu = f32(f32(dt * B[bc + n * L + t]) * x);
          h[n] = f32(f32(dA * h[n]) + dBu);
          acc = f32(acc + f32(C[bc + n * L + t] * h[n]));
        }
        y[row + t] = D ? f32(acc + f32(D[d] * x)) : acc;
      }
    }
  }
  return y;
}

/**
 * CrossMerge of a (B, 4, E, H*W) scan output: each direction back to row-major order, summed as
 * MambaIR sums them, ((y0 + y2) + y1) + y3, each sum rounded to float32. Channel-major (B, E, L) as
 * CrossMerge writes it, or with `tokens` token-major (B, L, E), the Transpose(.., [0, 2, 1]) that
 * SS2D applies before its LayerNorm (qmc.QSelectiveScan's `merge`).
 */
export function crossMerge(y: ArrayLike<number>, B: number, E: number, H: number, W: number, tokens: boolean) {
  const L = H * W;
  const out = new Float32Array(B * E * L);
  for (let b = 0; b < B; b++) {
    for (let e = 0; e < E; e++) {
      const at = (k: number) => ((b * 4 + k) * E + e) * L;
      const [y0, y1, y2, y3] = [at(0), at(1), at(2), at(3)];
      for (let h = 0; h < H; h++) {
        for (let w = 0; w < W; w++) {
          const p = h * W + w;
          const s02 = f32(y[y0 + p] + y[y2 + scanStep(2, h, w, H, W)]);
          const s021 = f32(s02 + y[y1 + scanStep(1, h, w, H, W)]);
          out[tokens ? (b * L + p) * E + e : (b * E + e) * L + p] = f32(s021 + y[y3 + scanStep(3, h, w, H, W)]);
        }
      }
    }
  }
  return out;
}
