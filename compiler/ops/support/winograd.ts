/**
 * Winograd F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks"): a 3x3
 * convolution, stride 1, computed per 2x2 output tile from the 4x4 input tile d under it as
 * A^T [(G g G^T) . (B^T d B)] A, 16 multiplications per tile and channel pair instead of 36. The
 * float32 steps below are the reference's (qmc.WinogradConv) and every target's, in this order.
 *
 *   B^T = [1  0 -1  0]    G = [1    0    0  ]    A^T = [1  1  1  0]
 *         [0  1  1  0]        [1/2  1/2  1/2]          [0  1 -1 -1]
 *         [0 -1  1  0]        [1/2 -1/2  1/2]
 *         [0  1  0 -1]        [0    0    1  ]
 */

/** Values in a transformed tile (4 x 4, row-major: position t = 4 * row + column). */
export const TILE_POSITIONS = 16;

/**
 * The transformed weights U = G g G^T of weights [M, C, 3, 3], laid out [16, C, M] (a position's
 * weights for one input channel are contiguous in the output channel). Each of U's values is
 * computed in float64, G g first and then (G g) G^T, and rounded to float32 once.
 */
export function winogradWeights(w: ArrayLike<number>, m: number, c: number): Float32Array {
  const u = new Float32Array(TILE_POSITIONS * c * m);
  const gg = new Float64Array(12);
  for (let oc = 0; oc < m; oc++) {
    for (let ic = 0; ic < c; ic++) {
      const at = (oc * c + ic) * 9;
      // G g: rows of G times the kernel's columns, for each of its 3 columns.
      for (let j = 0; j < 3; j++) {
        const g0 = w[at + j];
        const g1 = w[at + 3 + j];
        const g2 = w[at + 6 + j];
        gg[j] = g0;
        gg[3 + j] = 0.5 * (g0 + g1 + g2);
        gg[6 + j] = 0.5 * (g0 - g1 + g2);
        gg[9 + j] = g2;
      }
      for (let i = 0; i < 4; i++) {
        const [h0, h1, h2] = [gg[3 * i], gg[3 * i + 1], gg[3 * i + 2]];
        const row = [h0, 0.5 * (h0 + h1 + h2), 0.5 * (h0 - h1 + h2), h2];
        for (let j = 0; j < 4; j++) u[((4 * i + j) * c + ic) * m + oc] = row[j];
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
