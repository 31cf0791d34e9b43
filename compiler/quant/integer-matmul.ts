import type { QuantizedActivation } from "./activation.js";

/**
 * Quantized weights: value = code * alpha[c] - beta[c] for the output channel c of each element
 * (alpha and beta of length 1 for per-tensor quantization).
 */
export interface QuantizedWeight {
  readonly codes: ArrayLike<number>;
  readonly alpha: readonly number[];
  readonly beta: readonly number[];
  /** symmetricWeights(beta), once per kernel. */
  readonly symmetric: boolean;
}

const channel = (a: readonly number[], c: number) => (a.length === 1 ? a[0] : a[c]);

/**
 * The weight scales' check every reader of w_alpha/w_beta makes: each holds one value or one per
 * output channel. `fail` makes the error, given the message (`what` names the kind: attribute or param).
 */
export function checkWeightScaleCounts(
  alpha: readonly unknown[],
  beta: readonly unknown[],
  channels: number,
  what: "attribute" | "param",
  fail: (message: string) => Error,
): void {
  for (const [name, v] of [
    ["w_alpha", alpha],
    ["w_beta", beta],
  ] as const) {
    if (v.length !== 1 && v.length !== channels)
      throw fail(`${what} '${name}' has ${v.length} values, expected 1 or ${channels}`);
  }
}

/** Whether weights with offsets `beta` are symmetric: every offset 0 (known when compiling). */
export function symmetricWeights(beta: readonly number[]): boolean {
  return beta.every((b) => b === 0);
}

/**
 * One output element of sum_k xhat_k * what_k computed in the integer domain: with xhat = qx*ax - bx
 * (+ delta for corrected codes) and what = qw*aw - bw,
 *   sum = ax*aw*S(qx*qw) - ax*bw*S(qx) - bx*aw*S(qw) + n*bx*bw + sum_j delta_j*(aw*S_j(qw) - bw*n_j),
 * where every S is an exact integer sum over the k that take part (padding taps do not: a zero-padded
 * dequantized input contributes 0, which is not any code's value) and S_j, n_j run over the k whose
 * activation code is j. Integer sums are exact in int32 for any realistic K (|q| <= 128, K < 2^17).
 * With symmetric weights (every beta 0) the terms with bw, each a signed zero, are left out:
 *   sum = ax*aw*S(qx*qw) - bx*aw*S(qw) + sum_j delta_j*(aw*S_j(qw)),
 * the same value but for the sign of an exact zero, so that kernels need no S(qx).
 */
export class IntegerDot {
  private acc = 0;
  private sumX = 0;
  private sumW = 0;
  private count = 0;
  private readonly corrW: Int32Array;
  private readonly corrN: Int32Array;

  constructor(private readonly x: QuantizedActivation) {
    this.corrW = new Int32Array(x.corrections.length);
    this.corrN = new Int32Array(x.corrections.length);
  }

  reset(): void {
    this.acc = 0;
    this.sumX = 0;
    this.sumW = 0;
    this.count = 0;
    this.corrW.fill(0);
    this.corrN.fill(0);
  }

  add(qx: number, qw: number): void {
    this.acc += qx * qw;
    this.sumX += qx;
    this.sumW += qw;
    this.count++;
    const corr = this.x.corrections;
    for (let j = 0; j < corr.length; j++) {
      if (corr[j].code === qx) {
        this.corrW[j] += qw;
        this.corrN[j]++;
      }
    }
  }

  /** The float result for output channel c of weights w, rounded once to float32. */
  value(w: QuantizedWeight, c: number): number {
    const { alpha: ax, beta: bx, corrections } = this.x;
    const aw = channel(w.alpha, c);
    if (w.symmetric) {
      let y = ax * aw * this.acc - bx * aw * this.sumW;
      for (let j = 0; j < corrections.length; j++) y += corrections[j].delta * (aw * this.corrW[j]);
      return Math.fround(y);
    }
    const bw = channel(w.beta, c);
    let y = ax * aw * this.acc - ax * bw * this.sumX - bx * aw * this.sumW + this.count * bx * bw;
    for (let j = 0; j < corrections.length; j++) y += corrections[j].delta * (aw * this.corrW[j] - bw * this.corrN[j]);
    return Math.fround(y);
  }
}
