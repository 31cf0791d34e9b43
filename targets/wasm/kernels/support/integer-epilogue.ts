import type { Epilogue, EpilogueOperand, EpilogueStep } from "../../../../compiler/ops/support/epilogue.js";
import { ROUNDING_BIAS } from "../../../../compiler/quant/fake-quant.js";
import { type RequantizeSteps, requantizeStepsAt } from "../../../../compiler/quant/requantize-steps.js";
import { kernelEpilogue } from "../../../shared/epilogue.js";
import { weightScales } from "../../../shared/quant-params.js";
import type { Ex } from "../../binaryen.js";
import type { Arr, Fn, Local, Val } from "../../dsl.js";
import { qerf } from "../../erf.js";
import { qsigmoid } from "../../sigmoid.js";
import type { WasmKernelEnv } from "../types.js";
import type { ActivationQuant } from "./activation-quant.js";
import { joinLow } from "./lanes.js";

/**
 * The weight side of an integer kernel and the float epilogue that turns exact integer sums back into
 * the product of dequantized values, in the order of targets/js/kernels/support/integer-epilogue.ts:
 *   y = qa*aw*acc - qa*bw*sx - qb*aw*sw + cnt*qb*bw  (+ dlo*(aw*swlo - bw*nlo) + dhi*(...)).
 * The sums are i32 here (exact, as the js target's doubles are), converted exactly to f64. With
 * symmetric weights (every w_beta 0) the terms in bw are left out, as the reference leaves them out,
 * and `bw` is undefined: the kernel needs no activation code sums or counts.
 */
export function weightParams(env: WasmKernelEnv, channels: number): { aw: (c: Ex) => Ex; bw?: (c: Ex) => Ex } {
  const { alpha, beta, symmetric } = weightScales(env, channels);
  const f = env.fn;
  if (alpha.length === 1) {
    const aw = env.scalar(alpha[0]);
    return symmetric ? { aw } : { aw, bw: env.scalar(beta[0]) };
  }
  const aw = env.data(alpha);
  if (symmetric) return { aw: (c) => f.load(aw, c) };
  const bw = env.data(beta);
  return { aw: (c) => f.load(aw, c), bw: (c) => f.load(bw, c) };
}

/** The per-output integer sums: products, activation codes, weight codes, count, and DlsQuant's extremes. */
export class Accumulators {
  readonly acc: Local;
  readonly sx: Local;
  readonly sw: Local;
  readonly cnt: Local;
  readonly swlo: Local;
  readonly nlo: Local;
  readonly swhi: Local;
  readonly nhi: Local;

  constructor(
    private readonly f: Fn,
    private readonly q: ActivationQuant,
  ) {
    [this.acc, this.sx, this.sw, this.cnt, this.swlo, this.nlo, this.swhi, this.nhi] = Array.from({ length: 8 }, () =>
      f.i32Local(),
    );
  }

  reset(): Ex[] {
    return [this.acc, this.sx, this.sw, this.cnt, this.swlo, this.nlo, this.swhi, this.nhi].map((l) =>
      l.set(this.f.i32(0)),
    );
  }

  /** Adds one (activation code, weight code) pair; both are i32 values read from locals. */
  add(qx: Local, qw: Local): Ex[] {
    const { m } = this.f;
    const inc = (l: Local, v: Ex) => l.set(m.i32.add(l.get(), v));
    const out = [
      inc(this.acc, m.i32.mul(qx.get(), qw.get())),
      inc(this.sx, qx.get()),
      inc(this.sw, qw.get()),
      inc(this.cnt, this.f.i32(1)),
    ];
    if (this.q.mode === "dls" && this.q.qlo && this.q.qhi) {
      const code = () => m.f64.convert_s.i32(qx.get());
      out.push(
        this.f.if(
          m.f64.eq(code(), this.q.qlo.get()),
          [inc(this.swlo, qw.get()), inc(this.nlo, this.f.i32(1))],
          [this.f.if(m.f64.eq(code(), this.q.qhi.get()), [inc(this.swhi, qw.get()), inc(this.nhi, this.f.i32(1))])],
        ),
      );
    }
    return out;
  }

  /** The epilogue's f64 value for the channel's aw and bw (none: symmetric weights), into `v`. */
  epilogue(v: Local, aw: () => Ex, bw?: () => Ex): Ex[] {
    const { m } = this.f;
    const q = this.q;
    const F = (l: Local) => m.f64.convert_s.i32(l.get());
    const product = m.f64.mul(m.f64.mul(q.qa(), aw()), F(this.acc));
    const weightSum = m.f64.mul(m.f64.mul(q.qb(), aw()), F(this.sw));
    const out = [
      v.set(
        bw
          ? m.f64.add(
              m.f64.sub(m.f64.sub(product, m.f64.mul(m.f64.mul(q.qa(), bw()), F(this.sx))), weightSum),
              m.f64.mul(m.f64.mul(F(this.cnt), q.qb()), bw()),
            )
          : m.f64.sub(product, weightSum),
      ),
    ];
    if (q.mode === "dls" && q.dlo && q.dhi) {
      const fix = (d: Local, sw: Local, n: Local) =>
        this.f.if(m.f64.ne(d.get(), this.f.f64(0)), [
          v.set(
            m.f64.add(
              v.get(),
              m.f64.mul(
                d.get(),
                bw ? m.f64.sub(m.f64.mul(aw(), F(sw)), m.f64.mul(bw(), F(n))) : m.f64.mul(aw(), F(sw)),
              ),
            ),
          ),
        ]);
      out.push(fix(q.dlo, this.swlo, this.nlo), fix(q.dhi, this.swhi, this.nhi));
    }
    return out;
  }
}

/** An f64 code as i32 (codes are clamped integers; NaN, from a NaN input, becomes 0 instead of trapping). */
export function codeToI32(f: Fn, code: Local): Ex {
  const m = f.m;
  return m.i32.trunc_s.f64(m.select(m.f64.eq(code.get(), code.get()), code.get(), f.f64(0)));
}

/**
 * The float epilogue after the dequantization (compiler/ops/support/epilogue.ts), as the js target
 * computes it (targets/js/kernels/support/integer-epilogue.ts): every step in f64 on float32 values,
 * the module's qsigmoid/qerf for the activations, then rounded to float32; an f64 op on two float32
 * values rounded once to float32 is the float32 op, so values equal the js target's bit for bit.
 * Constants run along output axis `axis`; the residual, if read, is input `residualInput`. Create it
 * before any local (the residual is a parameter of the kernel's function).
 */
export class FloatEpilogue {
  private readonly e: Epilogue;
  private readonly residual?: Arr;
  private readonly tables: (Arr | undefined)[];
  private locals?: { y: Local; steps: Local[]; at: Local };
  private readonly quadLocalsBySize = new Map<number, { y: Local[]; steps: Local[][] }>();

  constructor(
    private readonly env: WasmKernelEnv,
    axis: number,
    residualInput: number,
  ) {
    this.e = kernelEpilogue(env, axis);
    this.residual = this.e.residual ? env.input(residualInput) : undefined;
    // The constants are float32 (parseEpilogue), so float32 tables hold them exactly.
    this.tables = this.e.constants.map((c) =>
      c.length > 1 ? env.table(new Uint8Array(Float32Array.from(c).buffer), "f32") : undefined,
    );
  }

  /** Stores `value` (f64) of output element `index` (of output channel `channel`), after the epilogue, into `y`. */
  store(y: Arr, index: Ex, channel: Val, value: Ex): Ex {
    const { env, e } = this;
    const f = env.fn;
    const m = f.m;
    if (e.steps.length === 0) return f.storeF(y, index, value);
    this.locals ??= { y: f.f64Local(), steps: e.steps.slice(0, -1).map(() => f.f64Local()), at: f.i32Local() };
    const { y: yv, steps, at } = this.locals;
    const read = (a: EpilogueOperand): Ex => {
      switch (a.kind) {
        case "y":
          return yv.get();
        case "step":
          return steps[a.index].get();
        case "constant": {
          const table = this.tables[a.index];
          return table ? f.loadF(table, channel()) : f.f64(e.constants[a.index][0]);
        }
        case "residual":
          return f.loadF(this.residual as Arr, at.get());
      }
    };
    const formula = (s: EpilogueStep): Ex => {
      const a = read(s.args[0]);
      switch (s.op) {
        case "relu":
          // max, not a comparison: NaN -> NaN and -0 -> 0, as Math.max (the Relu kernel's choice).
          return m.f64.max(a, f.f64(0));
        case "sigmoid":
          return env.math("qsigmoid", a);
        case "erf":
          return env.math("qerf", a);
        default:
          return m.f64[s.op](a, read(s.args[1]));
      }
    };
    const last = e.steps.length - 1;
    return f.seq([
      yv.set(f.f32(value)),
      ...(e.residual ? [at.set(index)] : []),
      ...e.steps.slice(0, -1).map((s, k) => steps[k].set(f.f32(formula(s)))),
      // The last step's rounding is the store's.
      f.storeF(y, e.residual ? at.get() : index, formula(e.steps[last])),
    ]);
  }

  /**
   * Neighbouring outputs two at a time: `values[i]` (f64x2) of output elements `index` + 2i and
   * `index` + 2i + 1, of channel `channel` (all, when `sameChannel`) or of channels `channel` + 2i
   * and `channel` + 2i + 1. Each lane runs the operations of `store`, four lanes at a time: y and
   * every step's result are float32, and so are the constants, so a step's double operation rounded
   * to float32 is the f32x4 operation; sigmoid and erf are float32 routines (sigmoid.ts, erf.ts).
   * The steps go one at a time over all the outputs, and the activations are written out here
   * rather than called (a call in V8 spills every vector the kernel holds), interleaved so that
   * their chains overlap; both bit-identical to the scalar ones. With `addend` (an f32x4, a conv's
   * bias), y is the values rounded to float32 plus it, in float32 (the double sum of two float32
   * values rounded to float32).
   */
  storePairs(y: Arr, index: Val, channel: Val, sameChannel: boolean, values: readonly Ex[], addend?: Val): Ex[] {
    return this.quadSteps(y, index, channel, sameChannel, this.quads(values, addend), values.length % 2 === 0);
  }

  /** The values y of storePairs stored without the steps (see applyRow). */
  storeBare(y: Arr, index: Val, values: readonly Ex[], addend?: Val): Ex[] {
    return this.storeQuads(y, index, this.quads(values, addend), values.length % 2 === 0);
  }

  /** Quads of float32 outputs from element `index` (the last one only two unless `lastFull`). */
  private storeQuads(y: Arr, index: Val, quads: readonly Ex[], lastFull: boolean): Ex[] {
    const f = this.env.fn;
    const m = f.m;
    return quads.map((x, q) => {
      const address = f.addr(y, q === 0 ? index() : f.add(index(), f.i32(4 * q)));
      return q < quads.length - 1 || lastFull
        ? m.v128.store(0, 4, address, x)
        : m.v128.store64_lane(0, 4, 0, address, x);
    });
  }

  /** f64x2 pairs as f32x4 quads (the last one half full when the pairs are odd), plus `addend`. */
  private quads(values: readonly Ex[], addend?: Val): Ex[] {
    const m = this.env.fn.m;
    const P = values.length;
    const demoted = (i: number) => m.f32x4.demote_f64x2_zero(values[i]);
    return Array.from({ length: Math.ceil(P / 2) }, (_, q) => {
      const quad = 2 * q + 1 < P ? joinLow(this.env.fn, demoted(2 * q), demoted(2 * q + 1)) : demoted(2 * q);
      return addend ? m.f32x4.add(quad, addend()) : quad;
    });
  }

  /** Whether there are steps: without, storePairs just stores the values. */
  get hasSteps(): boolean {
    return this.e.steps.length > 0;
  }

  /**
   * The steps applied in place to `count` outputs of channel `channel` from element `start` of `y`,
   * which hold the values y (as storePairs without steps stores them): sixteen at a time, so that
   * four quads' activation chains overlap, then four, then one by one.
   */
  applyRow(y: Arr, start: Val, count: Val, channel: Val): Ex[] {
    const f = this.env.fn;
    const m = f.m;
    const i = f.i32Local();
    const index = () => f.add(start(), i.get());
    const quads = (Q: number) =>
      this.quadSteps(
        y,
        index,
        channel,
        true,
        Array.from({ length: Q }, (_, q) => m.v128.load(16 * q, 4, f.addr(y, index()))),
        true,
      );
    return [
      f.for(i, f.i32(0), () => m.i32.sub(count(), f.i32(15)), quads(4), 16),
      f.for(i, i.get(), () => m.i32.sub(count(), f.i32(3)), quads(1), 4),
      f.for(i, i.get(), count, [this.store(y, index(), channel, f.loadF(y, index()))]),
    ];
  }

  /**
   * The steps on quads of four float32 values y, `initial[q]` holding outputs `index` + 4q ... (the
   * last quad only two of them unless `lastFull`), and their stores. Two forms are cheaper than the
   * steps' own lowering in V8 (f32x4.max is eight instructions on x64, pmax/pmin one) and equal to
   * it for every input, NaN and infinities included:
   * - relu(x) = pmax(x, 0) + 0: pmax keeps x where x < 0 is false (NaN, -0 and up), and adding +0
   *   turns -0 into +0 and changes nothing else.
   * - a requantization (compiler/quant/requantize-steps.ts) whose a and b nothing else reads:
   *   u = pmin(pmax(t - ROUNDING_BIAS, lo), hi). For |v| < 2^22, t is an integer below 2^24 and both
   *   ways compute exact integers, max(min(.)) being the relus' clamp; beyond, t - ROUNDING_BIAS and
   *   the steps' t - (ROUNDING_BIAS + lo) are both past the same end of [lo, hi] (rounding is
   *   monotonic), and a NaN stays NaN through pmax and pmin (their compares are false).
   */
  private quadSteps(y: Arr, index: Val, channel: Val, sameChannel: boolean, initial: Ex[], lastFull: boolean): Ex[] {
    const { env, e } = this;
    const f = env.fn;
    const m = f.m;
    const v = m.f32x4;
    const Q = initial.length;
    const full = (q: number) => q < Q - 1 || lastFull;
    const at = (q: number, base: Ex) => (q === 0 ? base : f.add(base, f.i32(4 * q)));
    const load = (a: Arr, q: number, base: Ex) =>
      full(q) ? m.v128.load(0, 4, f.addr(a, at(q, base))) : m.v128.load64_zero(0, 4, f.addr(a, at(q, base)));
    const quads = Array.from({ length: Q }, (_, q) => q);
    if (e.steps.length === 0) return this.storeQuads(y, index, initial, lastFull);
    const zero = () => v.splat(m.f32.const(0));
    const relu = (x: Ex) => v.add(v.pmax(x, zero()), zero());
    const locals = this.quadLocals(Q);
    const read = (a: EpilogueOperand, q: number): Ex => {
      switch (a.kind) {
        case "y":
          return locals.y[q].get();
        case "step":
          return locals.steps[a.index][q].get();
        case "constant": {
          const table = this.tables[a.index];
          if (!table) return v.splat(m.f32.const(e.constants[a.index][0]));
          if (sameChannel) return m.v128.load32_splat(0, 4, f.addr(table, channel()));
          return load(table, q, channel());
        }
        case "residual":
          return load(this.residual as Arr, q, index());
      }
    };
    const step = (s: EpilogueStep, k: number): Ex[] => {
      const out = locals.steps[k];
      switch (s.op) {
        case "relu":
          return quads.map((q) => out[q].set(relu(read(s.args[0], q))));
        case "sigmoid":
        case "erf": {
          const routine = s.op === "sigmoid" ? qsigmoid : qerf;
          return [...quads.map((q) => out[q].set(read(s.args[0], q))), ...routine.inline(f, out, out)];
        }
        default:
          return quads.map((q) => out[q].set(v[s.op](read(s.args[0], q), read(s.args[1], q))));
      }
    };
    // A requantization's clamp to [lo, hi] as pmax/pmin of t - ROUNDING_BIAS (requantize below).
    const requantize = (r: RequantizeSteps, k: number): Ex[] => {
      const [vs, ts, us, ys] = [k, k + 1, k + 6, k + 7].map((i) => locals.steps[i]);
      const c = (x: number) => v.splat(m.f32.const(x));
      const scale = () => read({ kind: "constant", index: r.scale }, 0);
      return quads.flatMap((q) => [
        vs[q].set(v.div(read(r.x, q), scale())),
        ts[q].set(v.add(vs[q].get(), c(ROUNDING_BIAS))),
        us[q].set(v.pmin(v.pmax(v.sub(ts[q].get(), c(ROUNDING_BIAS)), c(r.lo)), c(r.hi))),
        ys[q].set(v.mul(us[q].get(), scale())),
      ]);
    };
    const steps: Ex[] = [];
    for (let k = 0; k < e.steps.length; ) {
      const r = requantizeStepsAt(e, k);
      if (r && !r.inner) {
        steps.push(...requantize(r, k));
        k += 8;
      } else {
        steps.push(...step(e.steps[k], k));
        k++;
      }
    }
    const last = e.steps.length - 1;
    return [
      ...quads.map((q) => locals.y[q].set(initial[q])),
      ...steps,
      ...this.storeQuads(
        y,
        index,
        quads.map((q) => locals.steps[last][q].get()),
        lastFull,
      ),
    ];
  }

  /** The v128 locals of `storePairs` for `Q` quads: y and every step's result. */
  private quadLocals(Q: number): { y: Local[]; steps: Local[][] } {
    const f = this.env.fn;
    const vectors = (n: number) => Array.from({ length: n }, () => f.local(f.b.v128));
    let locals = this.quadLocalsBySize.get(Q);
    if (!locals) {
      locals = { y: vectors(Q), steps: this.e.steps.map(() => vectors(Q)) };
      this.quadLocalsBySize.set(Q, locals);
    }
    return locals;
  }
}
