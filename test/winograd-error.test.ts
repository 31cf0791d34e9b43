import { describe, expect, it } from "vitest";
import { attr, makeNode } from "../compiler/ir/editor.js";
import { Tensor } from "../compiler/ir/tensor.js";
import { standaloneEvalContext } from "../compiler/ops/define.js";
import winogradConv from "../compiler/ops/qmc/WinogradConv.js";
import { subKernels, winogradWeights } from "../compiler/ops/support/winograd.js";
import { rng } from "./support/random.js";

/**
 * qmc.WinogradConv reorders Conv's float32 operations (DESIGN.md, Numerics: a kernel that must
 * reorder states its error bound and tests it). A Kh x Kw kernel is a grid of gh x gw =
 * ceil(Kh / 3) x ceil(Kw / 3) 3x3 sub-kernels, zero-padded at the bottom and right, over C' = C *
 * gh * gw virtual input channels (input channel c under sub-kernel (sy, sx), its 4x4 tile d read 3
 * sy rows and 3 sx columns further on); a 3x3 kernel is C' = C. The bound, per output y:
 *
 *   |y_winograd - y_exact| <= gamma(C' + 7) * Y_abs + u * |y_winograd|,   u = 2^-24,
 *   gamma(n) = n u / (1 - n u),
 *   Y_abs = |A^T| ( sum over virtual channels vc of |U_vc| . (|B^T| |d_vc| |B|) ) |A|
 *
 * (Higham's model fl(a op b) = (a op b)(1 + e), |e| <= u, along the longest chain of roundings an
 * input meets: U's one rounding (G g G^T is computed in float64), B^T d B's two, the product and
 * C' - 1 additions (the first adds +0, exactly), A^T m A's four; the bias's addition is the last
 * term.) In exact arithmetic A^T [(G g G^T) . (B^T d B)] A is a sub-kernel's 3x3 correlation and
 * their sum the Kh x Kw one, so y_exact is Conv's value. Y_abs is the same computation with every
 * matrix and value replaced by its absolute value. Each |g_ab| |d_ij| of a virtual channel's
 * sub-kernel and 4x4 tile enters it with a coefficient of at most 4 (a product of two 1-D
 * coefficients sum_r |A^T|_pr |G|_ra |B^T|_ri, each at most 2), so Y_abs <= 4 * sum over vc of
 * (sum |g_vc|) (sum over the tile of |d_vc|): unlike direct Conv's (Kh Kw C + 1) u times the
 * window's sum of |w| |x|, it takes in taps and inputs that are not aligned, whose terms cancel in
 * exact arithmetic. That includes pixels past the Kh x Kw window where Kh or Kw is not a multiple
 * of 3: a zero-padded sub-kernel's U is not zero, and the tile's pixels under its zero taps enter
 * V; exactly they cancel, in float32 they add rounding error within the bound (and NaN where such
 * a pixel is infinite: the bound is for finite inputs, as Winograd's mixing of a tile's pixels
 * already makes it for 3x3). On these random inputs the error stays a few units of u times Conv's
 * own sum of |w| |x| (worstDirect below).
 */
const U32 = 2 ** -24;
const gamma = (n: number) => (n * U32) / (1 - n * U32);
const BT_ABS = [
  [1, 0, 1, 0],
  [0, 1, 1, 0],
  [0, 1, 1, 0],
  [0, 1, 0, 1],
];
const AT_ABS = [
  [1, 1, 1, 0],
  [0, 1, 1, 1],
];

/** |L| X |L|^T of a 4x4 X (row-major), L with 4 columns. */
function sandwich(l: number[][], x: ArrayLike<number>): number[] {
  const r = l.length;
  const lx = l.map((row) => [0, 1, 2, 3].map((j) => row.reduce((s, a, k) => s + a * Math.abs(x[4 * k + j]), 0)));
  return Array.from({ length: r * r }, (_, e) => l[e % r].reduce((s, a, k) => s + a * lx[Math.floor(e / r)][k], 0));
}

interface Setup {
  /** [Kh, Kw]; 3x3 unless given. */
  readonly kernel?: number[];
  readonly c: number;
  readonly m: number;
  readonly h: number;
  readonly w: number;
  readonly pads: number[];
  /** Input values: uniform in [-2, 2], or of random sign and magnitude 2^-12 .. 2^12 (cancellation). */
  readonly spread?: boolean;
}

function check({ kernel = [3, 3], c, m, h, w, pads, spread }: Setup, seed: number) {
  const [kh, kw] = kernel;
  const [gh, gw] = subKernels(kernel);
  const cv = c * gh * gw;
  const rnd = rng(seed);
  const x = Float32Array.from({ length: c * h * w }, () =>
    spread ? (rnd() < 0.5 ? -1 : 1) * 2 ** (24 * rnd() - 12) : 4 * rnd() - 2,
  );
  const g = Float32Array.from({ length: m * c * kh * kw }, () => 2 * rnd() - 1);
  const b = Float32Array.from({ length: m }, () => rnd() - 0.5);
  const u = winogradWeights(g, m, c, kernel);
  const attrs = { pads: attr.ints(pads), kernel_shape: attr.ints(kernel) };
  const node = makeNode("WinogradConv", "qmc", ["x", "u", "b"], ["y"], attrs, "winograd");
  const [y] = winogradConv.evaluate(
    [new Tensor("float32", [1, c, h, w], x), new Tensor("float32", [16, cv, m], u), new Tensor("float32", [m], b)],
    standaloneEvalContext(node, 1, "none"),
  );
  const [oh, ow] = [y.shape[2], y.shape[3]];
  const [pt, pl] = pads;
  const at = (ic: number, r: number, col: number) =>
    r >= 0 && r < h && col >= 0 && col < w ? x[(ic * h + r) * w + col] : 0;
  let worst = 0;
  let worstDirect = 0;
  for (let oc = 0; oc < m; oc++) {
    for (let r = 0; r < oh; r++) {
      for (let col = 0; col < ow; col++) {
        // Conv in float64 (exact to far below float32's rounding), and the sum of |w| |x| it takes.
        let exact = b[oc];
        let direct = Math.abs(b[oc]);
        for (let ic = 0; ic < c; ic++) {
          for (let k = 0; k < kh * kw; k++) {
            const v = at(ic, r - pt + Math.floor(k / kw), col - pl + (k % kw));
            exact += g[(oc * c + ic) * kh * kw + k] * v;
            direct += Math.abs(g[(oc * c + ic) * kh * kw + k] * v);
          }
        }
        // Y_abs of this output's tile, at its position in the tile.
        const [ty, tx] = [r >> 1, col >> 1];
        const mAbs = new Float64Array(16);
        for (let vc = 0; vc < cv; vc++) {
          const [ic, sub] = [vc % c, Math.floor(vc / c)];
          const [r0, c0] = [2 * ty - pt + 3 * Math.floor(sub / gw), 2 * tx - pl + 3 * (sub % gw)];
          const d = Array.from({ length: 16 }, (_, e) => at(ic, r0 + (e >> 2), c0 + (e & 3)));
          const v = sandwich(BT_ABS, d);
          for (let t = 0; t < 16; t++) mAbs[t] += Math.abs(u[(t * cv + vc) * m + oc]) * v[t];
        }
        const yAbs = sandwich(AT_ABS, mAbs)[2 * (r & 1) + (col & 1)];
        const got = y.values[(oc * oh + r) * ow + col];
        const bound = gamma(cv + 7) * yAbs + U32 * Math.abs(got);
        const error = Math.abs(got - exact);
        expect(error, `output ${oc},${r},${col}: ${got} vs ${exact}`).toBeLessThanOrEqual(bound);
        worst = Math.max(worst, error / bound);
        worstDirect = Math.max(worstDirect, error / (U32 * direct));
      }
    }
  }
  return { worst, worstDirect };
}

describe("qmc.WinogradConv's reference stays within its stated error bound of the exact Conv", () => {
  const setups: Setup[] = [
    { c: 1, m: 4, h: 7, w: 9, pads: [1, 1, 1, 1] },
    { c: 3, m: 5, h: 9, w: 8, pads: [0, 1, 2, 0] },
    { c: 24, m: 6, h: 10, w: 11, pads: [1, 1, 1, 1] },
    { c: 64, m: 4, h: 8, w: 8, pads: [1, 1, 1, 1] },
    { c: 24, m: 4, h: 9, w: 9, pads: [1, 1, 1, 1], spread: true },
    { kernel: [9, 9], c: 3, m: 4, h: 12, w: 11, pads: [4, 4, 4, 4] },
    { kernel: [5, 5], c: 8, m: 3, h: 9, w: 10, pads: [2, 2, 2, 2] },
    { kernel: [7, 7], c: 4, m: 3, h: 10, w: 9, pads: [3, 2, 3, 4] },
    { kernel: [5, 3], c: 6, m: 3, h: 9, w: 7, pads: [2, 1, 2, 1] },
    { kernel: [1, 9], c: 5, m: 3, h: 5, w: 12, pads: [0, 4, 0, 4] },
    { kernel: [9, 9], c: 3, m: 4, h: 11, w: 11, pads: [4, 4, 4, 4], spread: true },
  ];
  for (const [i, s] of setups.entries()) {
    const [kh, kw] = s.kernel ?? [3, 3];
    const name = `${kh}x${kw}, C ${s.c}, M ${s.m}, ${s.h}x${s.w}, pads ${s.pads}`;
    it(`${name}${s.spread ? ", inputs 2^-12 .. 2^12" : ""}`, () => {
      const { worst, worstDirect } = check(s, 900 + i);
      // The bound holds with room (it is a worst case over every rounding), and the error in units
      // of u times Conv's own sum of |w| |x| stays within direct Conv's worst case, Kh Kw C + 1.
      expect(worst).toBeLessThan(1);
      expect(worstDirect).toBeLessThan(kh * kw * s.c + 1);
    });
  }
});
