import type { Ex } from "../../binaryen.js";
import type { Fn, Local, Val } from "../../dsl.js";
import type { WasmKernelEnv } from "../types.js";
import type { ActivationQuant } from "./activation-quant.js";

/**
 * Exact integer sums for eight outputs at once. Products of codes are summed in the eight i16 lanes
 * of one vector (one i16x8.mul and one i16x8.add per step) and widened into two i32x4 sums only every
 * `steps` steps: a stretch is as long as its sum provably stays inside i16, from the largest
 * activation code and the largest weight code known at compile time. So every sum is the exact
 * integer the scalar kernel computes, and the float epilogue on it gives bit-identical outputs.
 */
export class WideSums {
  private readonly s16: Local;
  /** The i32 sums of lanes 0-3 and 4-7 (for terms that arrive as i32x4, e.g. from a relaxed dot). */
  readonly lo: Local;
  readonly hi: Local;

  constructor(private readonly f: Fn) {
    [this.s16, this.lo, this.hi] = [0, 1, 2].map(() => f.local(f.b.v128));
  }

  reset(): Ex[] {
    const zero = () => this.f.m.v128.const(new Array(16).fill(0));
    return [this.s16.set(zero()), this.lo.set(zero()), this.hi.set(zero())];
  }

  /** Adds eight i16 terms. */
  add(v: Ex): Ex {
    return this.s16.set(this.f.m.i16x8.add(this.s16.get(), v));
  }

  /** Moves the i16 partial sums into the i32 sums. */
  widen(): Ex[] {
    const m = this.f.m;
    return [
      this.lo.set(m.i32x4.add(this.lo.get(), m.i32x4.extend_low_i16x8_s(this.s16.get()))),
      this.hi.set(m.i32x4.add(this.hi.get(), m.i32x4.extend_high_i16x8_s(this.s16.get()))),
      this.s16.set(m.v128.const(new Array(16).fill(0))),
    ];
  }

  /** Sums 2p and 2p + 1 (p in 0..3) as f64x2 (exact: they are i32). */
  pair(p: number): Ex {
    return i32PairToF64(this.f, p < 2 ? this.lo : this.hi, p % 2);
  }
}

/** Lanes 2*half and 2*half + 1 of an i32x4 local as f64x2. */
export function i32PairToF64(f: Fn, v: Local, half: number): Ex {
  const m = f.m;
  const upper = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
  return m.f64x2.convert_low_i32x4_s(half ? m.i8x16.shuffle(v.get(), v.get(), upper) : v.get());
}

/** How many products of at most `perStep` in magnitude an i16 lane can sum without overflow. */
export function i16Steps(perStep: number): number {
  return Math.max(1, Math.floor(32767 / Math.max(1, perStep)));
}

/** The largest magnitude of an activation code. */
export function codeBound(q: ActivationQuant): number {
  return Math.max(Math.abs(q.qn), Math.abs(q.qp));
}

/** The largest magnitude among the kernel's constant weight codes (input 1). */
export function weightBound(env: WasmKernelEnv): number {
  const w = env.constant(1);
  if (!w) throw env.error("the weight codes must be a constant");
  let max = 0;
  for (let i = 0; i < w.length; i++) max = Math.max(max, Math.abs(w[i]));
  return max;
}

/**
 * The integer epilogue's terms for one channel, in the order of Accumulators.epilogue:
 *   y = (qa*aw)*acc - (qa*bw)*sx - (qb*aw)*sw + (cnt*qb)*bw,
 * the terms in bw (`offsets`) only where the weights are not symmetric (bw given).
 * Where sw and cnt are the same for many outputs (no padding, or one row of a depthwise conv), the
 * last two products are computed once for all of them: the same doubles as computing them per output.
 */
export interface ChannelTerms {
  readonly p1: Ex;
  readonly s3: Ex;
  readonly offsets?: { readonly p2: Ex; readonly t4: Ex };
}

export function channelTerms(f: Fn, q: ActivationQuant, aw: Val, bw: Val | undefined, sw: Val, cnt: Val): ChannelTerms {
  const m = f.m;
  return {
    p1: m.f64.mul(q.qa(), aw()),
    s3: m.f64.mul(m.f64.mul(q.qb(), aw()), m.f64.convert_s.i32(sw())),
    offsets: bw && {
      p2: m.f64.mul(q.qa(), bw()),
      t4: m.f64.mul(m.f64.mul(m.f64.convert_s.i32(cnt()), q.qb()), bw()),
    },
  };
}

/** The offset terms of affineValue: p2 times the code sum sx, and t4. */
export interface Offsets {
  readonly p2: Ex;
  readonly sx: Ex;
  readonly t4: Ex;
}

/**
 * (p1*acc - p2*sx - s3) + t4, or p1*acc - s3 without offsets (symmetric weights), lane-wise on
 * f64x2 or on f64 (the same IEEE operations either way).
 */
export function affineValue(f: Fn, vector: boolean, p1: Ex, acc: Ex, s3: Ex, offsets?: Offsets): Ex {
  const o = vector ? f.m.f64x2 : f.m.f64;
  if (!offsets) return o.sub(o.mul(p1, acc), s3);
  return o.add(o.sub(o.sub(o.mul(p1, acc), o.mul(offsets.p2, offsets.sx)), s3), offsets.t4);
}

/** The first 16-byte-aligned address at or after `base` + `bytes` (i32 values). */
export function alignedAfter(f: Fn, base: Ex, bytes: Ex): Ex {
  const m = f.m;
  return m.i32.and(f.add(base, bytes, f.i32(15)), f.i32(-16));
}
