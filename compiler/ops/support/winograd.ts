/**
 * Winograd F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks"): a 3x3
 * convolution, stride 1, computed per 2x2 output tile from the 4x4 input tile d under it as
 * A^T [(G g G^T) . (B^T d B)] A, 16 multiplications per tile and channel pair instead of 36; a
 * larger kernel as a grid of 3x3 ones (subKernels), 16 per tile, channel pair and sub-kernel. The
 * float32 steps below are the reference's (qmc.WinogradConv) and every target's, in this order.
 *
 *   B^T = [1  0 -1  0]    G = [1    0    0  ]    A^T = [1  1  1  0]
 *         [0  1  1  0]        [1/2  1/2  1/2]          [0  1 -1 -1]
 *         [0 -1  1  0]        [1/2 -1/2  1/2]
 *         [0  1  0 -1]        [0    0    1  ]
 */

/** Values in a transformed tile (4 x 4, row-major: position t = 4 * row + column). */
export const TILE_POSITIONS = 16;

/** Rows and columns of a Winograd sub-kernel: a larger kernel is a grid of them (subKernels). */
export const SUB_KERNEL = 3;

/**
 * The grid of 3x3 sub-kernels [rows, columns] that covers a Kh x Kw kernel zero-padded at the
 * bottom and right to multiples of 3. Sub-kernel (sy, sx) holds taps 3 sy .. 3 sy + 2 by 3 sx ..
 * 3 sx + 2; a KxK convolution is the sum of their 3x3 convolutions, sub-kernel (sy, sx)'s over the
 * input shifted by (3 sy, 3 sx).
 */
export function subKernels(kernel: readonly number[]): [number, number] {
  return [Math.ceil(kernel[0] / SUB_KERNEL), Math.ceil(kernel[1] / SUB_KERNEL)];
}

/**
 * The transformed weights U = G g G^T of weights [M, C, Kh, Kw], laid out [16, C', M] (a position's
 * weights for one virtual input channel are contiguous in the output channel). C' = C * gh * gw
 * virtual input channels, sub-kernel major: virtual channel (sy * gw + sx) * C + c is input channel
 * c under 3x3 sub-kernel (sy, sx) of the kernel zero-padded to 3 gh x 3 gw (subKernels). Each of
 * U's values is computed in float64, G g first and then (G g) G^T, and rounded to float32 once.
 */
export function winogradWeights(
  w: ArrayLike<number>,
  m: number,
  c: number,
  kernel: readonly number[] = [SUB_KERNEL, SUB_KERNEL],
): Float32Array {
  const [kh, kw] = kernel;
  const [gh, gw] = subKernels(kernel);
  const cv = c * gh * gw;
  const u = new Float32Array(TILE_POSITIONS * cv * m);
  const gg = new Float64Array(12);
  for (let oc = 0; oc < m; oc++) {
    for (let ic = 0; ic < c; ic++) {
      for (let sy = 0; sy < gh; sy++) {
        for (let sx = 0; sx < gw; sx++) {
          const vc = (sy * gw + sx) * c + ic;
          // Tap (a, b) of the sub-kernel, zero beyond the kernel.
          const tap = (a: number, b: number) => {
            const [r, col] = [3 * sy + a, 3 * sx + b];
            return r < kh && col < kw ? w[((oc * c + ic) * kh + r) * kw + col] : 0;
          };
          // G g: rows of G times the sub-kernel's columns, for each of its 3 columns.
          for (let j = 0; j < 3; j++) {
            const [g0, g1, g2] = [tap(0, j), tap(1, j), tap(2, j)];
            gg[j] = g0;
            gg[3 + j] = 0.5 * (g0 + g1 + g2);
            gg[6 + j] = 0.5 * (g0 - g1 + g2);
            gg[9 + j] = g2;
          }
          for (let i = 0; i < 4; i++) {
            const [h0, h1, h2] = [gg[3 * i], gg[3 * i + 1], gg[3 * i + 2]];
            const row = [h0, 0.5 * (h0 + h1 + h2), 0.5 * (h0 - h1 + h2), h2];
            for (let j = 0; j < 4; j++) u[((4 * i + j) * cv + vc) * m + oc] = row[j];
          }
        }
      }
    }
  }
  return u;
}

/**
 * V = B^T d B of the 4x4 tile d (row-major), each operation rounded to float32: first down the
 * columns (t = B^T d), then along the rows (V = t B), writing V's 16 values to v from `at`.
 */
export function inputTransform(d: ArrayLike<number>, v: Float32Array, at: number): void {
  const f = Math.fround;
  const t = new Float32Array(16);
  for (let j = 0; j < 4; j++) {
    const [d0, d1, d2, d3] = [d[j], d[4 + j], d[8 + j], d[12 + j]];
    t[j] = d0 - d2;
    t[4 + j] = d1 + d2;
    t[8 + j] = d2 - d1;
    t[12 + j] = d1 - d3;
  }
  for (let i = 0; i < 4; i++) {
    const [t0, t1, t2, t3] = [t[4 * i], t[4 * i + 1], t[4 * i + 2], t[4 * i + 3]];
    v[at + 4 * i] = f(t0 - t2);
    v[at + 4 * i + 1] = f(t1 + t2);
    v[at + 4 * i + 2] = f(t2 - t1);
    v[at + 4 * i + 3] = f(t1 - t3);
  }
}

/**
 * Y = A^T m A of the 4x4 products m (row-major), each operation rounded to float32: first down the
 * columns (s = A^T m, sums left to right), then along the rows; Y row-major, 2x2.
 */
export function outputTransform(mm: ArrayLike<number>): [number, number, number, number] {
  const f = Math.fround;
  const s = new Float32Array(8);
  for (let j = 0; j < 4; j++) {
    const [m0, m1, m2, m3] = [mm[j], mm[4 + j], mm[8 + j], mm[12 + j]];
    s[j] = f(m0 + m1) + m2;
    s[4 + j] = f(m1 - m2) - m3;
  }
  const row = (i: number): [number, number] => {
    const [s0, s1, s2, s3] = [s[4 * i], s[4 * i + 1], s[4 * i + 2], s[4 * i + 3]];
    return [f(f(s0 + s1) + s2), f(f(s1 - s2) - s3)];
  };
  return [...row(0), ...row(1)];
}
