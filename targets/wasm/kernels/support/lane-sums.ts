import type { Ex } from "../../binaryen.js";
import type { Fn, Local } from "../../dsl.js";
import type { ActivationQuant } from "./activation-quant.js";
import type { Accumulators } from "./integer-epilogue.js";

/** A code that no activation code equals (codes have at most 8 bits). */
const NO_CODE = 0x7fffffff;

/**
 * The integer sums of Accumulators for four outputs at once, one per i32x4 lane. Every sum is an exact
 * integer, so adding the terms four outputs at a time (in any order) gives the scalar kernel's sums;
 * `lane(i)` moves lane i into the scalar accumulators, whose epilogue then runs unchanged: outputs stay
 * bit-identical to the scalar kernel's.
 */
export class LaneSums {
  private readonly acc: Local;
  private readonly sx: Local;
  private readonly sw: Local;
  private readonly cnt: Local;
  private readonly swlo: Local;
  private readonly nlo: Local;
  private readonly swhi: Local;
  private readonly nhi: Local;
  private readonly xv: Local;
  private readonly wv: Local;
  private readonly lo: Local;
  private readonly hi: Local;
  private readonly dls: boolean;

  constructor(
    private readonly f: Fn,
    q: ActivationQuant,
    private readonly scalar: Accumulators,
  ) {
    const v = () => f.local(f.b.v128);
    [this.acc, this.sx, this.sw, this.cnt, this.swlo, this.nlo, this.swhi, this.nhi, this.xv, this.wv] = Array.from(
      { length: 10 },
      v,
    );
    this.dls = q.mode === "dls" && !!q.qlo && !!q.qhi;
    const extremes = this.dls ? extremeCodes(f, q) : undefined;
    this.lo = extremes?.lo ?? f.i32Local();
    this.hi = extremes?.hi ?? f.i32Local();
    this.setup = extremes?.setup ?? [];
  }

  /** Run once after the quantizer's setup: DlsQuant's extreme codes as i32 (a NaN code matches nothing). */
  readonly setup: Ex[];

  reset(): Ex[] {
    const m = this.f.m;
    return this.sums().map((l) => l.set(m.i32x4.splat(this.f.i32(0))));
  }

  /** Adds the products of four activation codes and four weight codes (both i32x4). */
  add(xv: Ex, wv: Ex): Ex[] {
    const m = this.f.m;
    const inc = (l: Local, v: Ex) => l.set(m.i32x4.add(l.get(), v));
    const out = [
      this.xv.set(xv),
      this.wv.set(wv),
      inc(this.acc, m.i32x4.mul(this.xv.get(), this.wv.get())),
      inc(this.sx, this.xv.get()),
      inc(this.sw, this.wv.get()),
      inc(this.cnt, m.i32x4.splat(this.f.i32(1))),
    ];
    if (this.dls) {
      // Lanes are all ones where the code is the lowest; the highest counts only where it is not also the lowest.
      const isLo = () => m.i32x4.eq(this.xv.get(), m.i32x4.splat(this.lo.get()));
      const isHi = () => m.v128.andnot(m.i32x4.eq(this.xv.get(), m.i32x4.splat(this.hi.get())), isLo());
      out.push(
        inc(this.swlo, m.v128.and(this.wv.get(), isLo())),
        this.nlo.set(m.i32x4.sub(this.nlo.get(), isLo())),
        inc(this.swhi, m.v128.and(this.wv.get(), isHi())),
        this.nhi.set(m.i32x4.sub(this.nhi.get(), isHi())),
      );
    }
    return out;
  }

  /** Lane i's sums into the scalar accumulators. */
  lane(i: number): Ex[] {
    const m = this.f.m;
    const s = this.scalar;
    const pairs: [Local, Local][] = [
      [s.acc, this.acc],
      [s.sx, this.sx],
      [s.sw, this.sw],
      [s.cnt, this.cnt],
    ];
    if (this.dls) {
      pairs.push([s.swlo, this.swlo], [s.nlo, this.nlo], [s.swhi, this.swhi], [s.nhi, this.nhi]);
    }
    return pairs.map(([to, from]) => to.set(m.i32x4.extract_lane(from.get(), i)));
  }

  private sums(): Local[] {
    const all = [this.acc, this.sx, this.sw, this.cnt];
    return this.dls ? [...all, this.swlo, this.nlo, this.swhi, this.nhi] : all;
  }
}

/** DlsQuant's extreme codes as i32 locals, set by `setup` after the quantizer's (a NaN code matches nothing). */
export function extremeCodes(f: Fn, q: ActivationQuant): { setup: Ex[]; lo: Local; hi: Local } {
  const m = f.m;
  const lo = f.i32Local();
  const hi = f.i32Local();
  // Not a select: it would evaluate the truncation, which traps on NaN.
  const code = (to: Local, c: Local | undefined): Ex =>
    c
      ? f.if(m.f64.eq(c.get(), c.get()), [to.set(m.i32.trunc_s.f64(c.get()))], [to.set(f.i32(NO_CODE))])
      : to.set(f.i32(NO_CODE));
  return { setup: [code(lo, q.qlo), code(hi, q.qhi)], lo, hi };
}
