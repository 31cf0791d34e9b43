import { DLS_LANES } from "../../../../compiler/quant/dls.js";
import { activationParams } from "../../../shared/quant-params.js";
import type { Ex } from "../../binaryen.js";
import type { Arr, Fn, Local, Val } from "../../dsl.js";
import type { WasmKernelEnv } from "../types.js";
import { promoteHigh } from "./lanes.js";

/**
 * The activation quantizer of an integer kernel, as targets/js/kernels/support/activation-quant.ts
 * writes it, operation for operation in f64 with the same float32 roundings: the codes are
 * bit-identical to the js target's and the reference's. `setup` computes the parameters; `code(v)`
 * is the code of an f64 value, as an f64. After setup, `qa`/`qb` map codes back (value = q*qa - qb);
 * for DlsQuant, `qlo`/`qhi` are the codes of the extremes and `dlo`/`dhi` their value corrections.
 */
export interface ActivationQuant {
  readonly mode: "act" | "dls" | "linear";
  readonly bits: number;
  readonly signed: boolean;
  readonly qn: number;
  readonly qp: number;
  readonly setup: Ex[];
  readonly qa: Val;
  readonly qb: Val;
  readonly qlo?: Local;
  readonly qhi?: Local;
  readonly dlo?: Local;
  readonly dhi?: Local;
  /** The clipped value of a code (DlsQuant only). */
  readonly value?: (q: Ex) => Ex;
  /** DlsQuant only: the parameters of its quantize step, for dlsQuantizer. */
  readonly dls?: DlsQuantizeParams;
  code(v: Ex): Ex;
  /** The codes of four float32 values (f32x4) as i32x4, where SIMD computes them bit for bit as `code`. */
  readonly code4?: (v: Ex) => Ex;
}

const LANES = Array.from({ length: DLS_LANES }, (_, k) => k);

/**
 * Statistics of a whole tensor as DlsQuant takes them: mean, unbiased std (two passes), min, max, in
 * compiler/quant/dls.ts's lane order (element i in lane i mod 8, lanes combined as a fixed tree), so
 * bit-identical to the js target. With SIMD the eight lanes' sums are four f64x2 accumulators fed
 * eight float32 elements a step, their minima and maxima two f32x4 ones fed the elements as they
 * are (f32x4.pmin/pmax are the lanes' comparison rules, and a float32 compares and is kept the same
 * as its f64 promotion); the last n mod 8 elements go lane by lane.
 */
export function dlsStatistics(f: Fn, x: Arr, n: Val, simd: boolean) {
  const m = f.m;
  const v2 = m.f64x2;
  const i = f.i32Local();
  const [v, mu, sd, lo, hi] = [0, 1, 2, 3, 4].map(() => f.f64Local());
  const [sums, mins, maxs] = [0, 1, 2].map(() => LANES.map(() => f.f64Local()));
  const quads = () => (simd ? [0, 1, 2, 3].map(() => f.local(f.b.v128)) : []);
  const vsums = quads();
  const [vmins, vmaxs] = simd ? [0, 1].map(() => [f.local(f.b.v128), f.local(f.b.v128)]) : [[], []];
  const [a, b, t] = simd ? [0, 1, 2].map(() => f.local(f.b.v128)) : [];
  const at = (k: number) => f.add(i.get(), f.i32(k));
  const tree = (l: Local[], op: (p: Ex, q: Ex) => Ex) => {
    const pair = (k: number) => op(l[k].get(), l[k + 1].get());
    return op(op(pair(0), pair(2)), op(pair(4), pair(6)));
  };
  const laneMin = (p: Ex, q: Ex) => {
    const [lp, lq] = [f.f64Local(), f.f64Local()];
    return m.block(null, [lp.set(p), lq.set(q), m.select(m.f64.lt(lq.get(), lp.get()), lq.get(), lp.get())], f.b.f64);
  };
  const laneMax = (p: Ex, q: Ex) => {
    const [lp, lq] = [f.f64Local(), f.f64Local()];
    return m.block(null, [lp.set(p), lq.set(q), m.select(m.f64.lt(lp.get(), lq.get()), lq.get(), lp.get())], f.b.f64);
  };
  // The vectors `vs` (f64x2, or f32x4 where `f32`) and the lanes `ls` all set to `value`.
  const init = (vs: Local[], ls: Local[], value: number, f32 = false): Ex[] => [
    ...vs.map((q) => q.set(f32 ? m.f32x4.splat(m.f32.const(value)) : v2.splat(f.f64(value)))),
    ...ls.map((l) => l.set(f.f64(value))),
  ];
  // One pass over x: whole steps of eight (lanes 2j and 2j+1 of the sums add `term` of the f64x2 q of
  // the step's elements, after `map` on their f32x4; with `extremes`, the minima and maxima take
  // those f32x4 as they are), the vector lanes moved into the scalar ones, then `scalar(k)` for lane
  // k's last element.
  const pass = (map: (q: Ex) => Ex, term: (q: Local) => Ex, scalar: (k: number) => Ex[], extremes = false): Ex[] => {
    const wholeSteps = () => m.i32.sub(n(), f.i32(DLS_LANES - 1));
    const quarter = (q: Local, h: number) => (h ? promoteHigh(f, q) : v2.promote_low_f32x4(q.get()));
    const extremeVectors = extremes ? [vmins, vmaxs] : [];
    const steps = simd
      ? [
          f.for(
            i,
            f.i32(0),
            wholeSteps,
            [
              a.set(map(m.v128.load(0, 4, f.addr(x, i.get())))),
              b.set(map(m.v128.load(16, 4, f.addr(x, i.get())))),
              ...[a, b].flatMap((e, h) =>
                extremeVectors.map((vs, s) => vs[h].set((s ? m.f32x4.pmax : m.f32x4.pmin)(vs[h].get(), e.get()))),
              ),
              ...[0, 1, 2, 3].flatMap((j) => [
                t.set(quarter(j < 2 ? a : b, j & 1)),
                vsums[j].set(v2.add(vsums[j].get(), term(t))),
              ]),
            ],
            DLS_LANES,
          ),
          ...LANES.map((k) => sums[k].set(v2.extract_lane(vsums[k >> 1].get(), k & 1))),
          ...extremeVectors.flatMap((vs, s) =>
            LANES.map((k) => [mins, maxs][s][k].set(m.f64.promote(m.f32x4.extract_lane(vs[k >> 2].get(), k & 3)))),
          ),
        ]
      : [f.for(i, f.i32(0), wholeSteps, LANES.flatMap(scalar), DLS_LANES)];
    return [...steps, ...LANES.slice(0, -1).map((k) => f.if(m.i32.lt_s(at(k), n()), scalar(k)))];
  };
  const nf = () => m.f64.convert_u.i32(n());
  const setup = [
    ...init(vsums, sums, 0),
    ...init(vmins, mins, Number.POSITIVE_INFINITY, true),
    ...init(vmaxs, maxs, Number.NEGATIVE_INFINITY, true),
    ...pass(
      (q) => q,
      (q) => q.get(),
      (k) => [
        v.set(f.loadF(x, at(k))),
        sums[k].set(m.f64.add(sums[k].get(), v.get())),
        mins[k].set(m.select(m.f64.lt(v.get(), mins[k].get()), v.get(), mins[k].get())),
        maxs[k].set(m.select(m.f64.lt(maxs[k].get(), v.get()), v.get(), maxs[k].get())),
      ],
      true,
    ),
    lo.set(tree(mins, laneMin)),
    hi.set(tree(maxs, laneMax)),
    mu.set(
      f.f32(
        m.f64.div(
          tree(sums, (p, q) => m.f64.add(p, q)),
          nf(),
        ),
      ),
    ),
    ...init(vsums, sums, 0),
    ...pass(
      // x - mu of two float32 values rounds once to float32 either way.
      (q) => m.f32x4.sub(q, m.f32x4.splat(m.f32.demote(mu.get()))),
      (q) => v2.mul(q.get(), q.get()),
      (k) => [
        v.set(f.f32(m.f64.sub(f.loadF(x, at(k)), mu.get()))),
        sums[k].set(m.f64.add(sums[k].get(), m.f64.mul(v.get(), v.get()))),
      ],
    ),
    sd.set(
      f.f32(m.f64.sqrt(f.f32(m.f64.div(f.f32(tree(sums, (p, q) => m.f64.add(p, q))), m.f64.sub(nf(), f.f64(1)))))),
    ),
  ];
  return { setup, mu, sd, lo, hi };
}

/** beta and alpha of DlsQuant from its statistics and weights w1..w4, w21..w24 (f64 values). */
export function dlsAffine(f: Fn, s: ReturnType<typeof dlsStatistics>, wts: readonly Val[], bits: number) {
  const m = f.m;
  const [w1, w2, w3, w4, w21, w22, w23, w24] = wts;
  const beta = f.f64Local();
  const alpha = f.f64Local();
  const mul = (a: Val, b: Ex) => f.f32(m.f64.mul(a(), b));
  const add = (a: Ex, b: Ex) => f.f32(m.f64.add(a, b));
  const limit = f.f32(m.f64.div(f.f32(m.f64.sub(s.hi.get(), s.lo.get())), f.f64(2 ** bits)));
  return {
    beta,
    alpha,
    setup: [
      beta.set(add(add(add(mul(w21, s.mu.get()), mul(w22, s.sd.get())), mul(w23, s.lo.get())), mul(w24, s.hi.get()))),
      alpha.set(
        m.f64.abs(
          add(
            add(
              add(mul(w1, m.f64.abs(add(s.mu.get(), beta.get()))), mul(w2, s.sd.get())),
              mul(w3, add(s.lo.get(), beta.get())),
            ),
            mul(w4, add(s.hi.get(), beta.get())),
          ),
        ),
      ),
      alpha.set(m.f64.min(m.f64.max(alpha.get(), f.f64(Math.fround(1e-6))), limit)),
    ],
  };
}

/** What DlsQuant's quantize step needs once its statistics are taken (all f64 values of float32s). */
export interface DlsQuantizeParams {
  readonly alpha: Val;
  readonly beta: Val;
  /** alpha, or 1 for a constant tensor (alpha = 0), so that its codes are finite. */
  readonly alphaDiv: Val;
  /** The tensor's minimum and maximum: the final clip. */
  readonly lo: Val;
  readonly hi: Val;
  readonly qn: number;
  readonly qp: number;
}

/**
 * DlsQuant's dequantized value of an element, clip(round(clip((x + beta) / alpha, qn, qp)) * alpha
 * - beta, min, max), with the reference's float32 roundings: `one` of an f64 (a float32 value), `four`
 * of an f32x4. In f32x4 every operand is a float32 value and every f64 result of `one` is rounded to
 * float32, so the f32 operations give the same values (+, -, *, / of floats round once either way).
 * The clips' selects and the codes' min are pmin/pmax (b < a ? b : a and a < b ? b : a), one
 * instruction each where V8's NaN-aware f32x4.min, kept for the values' min (its -0 < +0 matters
 * there), is seven:
 * - code: pmax(pmin(u, qp), qn) is u < qn ? qn : min(u, qp) for every u, NaN and -0 included
 *   (u < qn implies u < qp, so the first compare can take pmin's result).
 * - value: pmax(min(v, max), min) is v < min ? min : min(v, max) wherever min <= max, that is,
 *   wherever an element is not NaN (v NaN stays NaN); with every element NaN, beta and so every v
 *   is NaN, which both keep.
 */
export function dlsQuantizer(f: Fn, p: DlsQuantizeParams) {
  const m = f.m;
  const [u, v] = [f.f64Local(), f.f64Local()];
  // Made on first use: an mvp module has no v128 locals.
  let w4: Local | undefined;
  const splat = (e: Ex) => m.f32x4.splat(m.f32.demote(e));
  return {
    one: (x: Ex): Ex =>
      m.block(
        null,
        [
          u.set(f.f32(m.f64.div(f.f32(m.f64.add(x, p.beta())), p.alphaDiv()))),
          u.set(m.f64.nearest(m.select(m.f64.lt(u.get(), f.f64(p.qn)), f.f64(p.qn), m.f64.min(u.get(), f.f64(p.qp))))),
          v.set(f.f32(m.f64.sub(f.f32(m.f64.mul(u.get(), p.alpha())), p.beta()))),
          m.select(m.f64.lt(v.get(), p.lo()), p.lo(), m.f64.min(v.get(), p.hi())),
        ],
        f.b.f64,
      ),
    four: (x: Ex): Ex => {
      w4 ??= f.local(f.b.v128);
      return m.block(
        null,
        [
          w4.set(m.f32x4.div(m.f32x4.add(x, splat(p.beta())), splat(p.alphaDiv()))),
          w4.set(m.f32x4.pmax(m.f32x4.pmin(w4.get(), splat(f.f64(p.qp))), splat(f.f64(p.qn)))),
          w4.set(m.f32x4.sub(m.f32x4.mul(m.f32x4.nearest(w4.get()), splat(p.alpha())), splat(p.beta()))),
          m.f32x4.pmax(m.f32x4.min(w4.get(), splat(p.hi())), splat(p.lo())),
        ],
        f.b.v128,
      );
    },
  };
}

/** Reads <prefix>_mode/_bits/_signed/_params (or _w) and builds the quantizer of input `x` (n elements). */
export function activationQuant(env: WasmKernelEnv, x: Arr, n: Val, prefix = "x"): ActivationQuant {
  const f = env.fn;
  const m = f.m;
  const { mode, bits, signed, qn, qp, given, f32: p } = activationParams(env, prefix);
  const clampCode = (e: Ex) => m.f64.nearest(m.f64.min(m.f64.max(e, f.f64(qn)), f.f64(qp)));
  // The same on f32x4 quotients of float32 operands (see `code4`) as i32x4, clamped before rounding
  // (the bounds are integers, so rounding commutes with the clamp): pmin(e, qp) is qp < e ? qp : e
  // and pmax(., qn) is . < qn ? qn : ., so infinities clamp and NaN passes. A clamped value c plus
  // 1.5 * 2^23 lies in [2^23, 2^24), where float32 steps by 1: the addition rounds c to the nearest
  // integer, ties to even as f64.nearest does, and the sum's bits minus the constant's are that
  // integer. NaN lanes are masked to 0, the code codeToI32 gives them. Six instructions where
  // V8's f32x4.nearest, i32x4.trunc_sat_f32x4_s and an i32 clamp are a dozen.
  let e4: Local | undefined;
  let magic: Local | undefined;
  const clampCode4 = (e: Ex) => {
    e4 ??= f.local(f.b.v128);
    magic ??= f.local(f.b.v128);
    const splat = (v: number) => m.f32x4.splat(m.f32.const(v));
    const clamped = m.f32x4.pmax(m.f32x4.pmin(e4.tee(e), splat(qp)), splat(qn));
    // The constant's bits serve both as the float added and as the integer subtracted.
    return m.v128.and(
      m.i32x4.sub(m.f32x4.add(clamped, magic.tee(splat(1.5 * 2 ** 23))), magic.get()),
      m.f32x4.eq(e4.get(), e4.get()),
    );
  };
  const base = { bits, signed, qn, qp };
  // The parameters are scalars of the instance: kernels that differ only in them share one function.
  if (mode === "act") {
    const [qa, qb] = [env.scalar(p[0]), env.scalar(p[1])];
    return {
      ...base,
      mode,
      setup: [],
      qa,
      qb,
      code: (v) => clampCode(f.f32(m.f64.div(f.f32(m.f64.add(v, qb())), qa()))),
      // float32 operands: the f64 sum and quotient rounded to float32 are the f32 sum and quotient
      // (double rounding through f64 is harmless for + and /), and clamping and rounding integers
      // is exact in either width. NaN stays NaN through min/max and truncates to 0, as codeToI32 does.
      code4: (v) =>
        clampCode4(m.f32x4.div(m.f32x4.add(v, m.f32x4.splat(m.f32.demote(qb()))), m.f32x4.splat(m.f32.demote(qa())))),
    };
  }
  if (mode === "linear") {
    const [s, z] = given;
    const [scale, zp, qb] = [env.scalar(s), env.scalar(z), env.scalar(z * s)];
    return {
      ...base,
      mode,
      setup: [],
      qa: scale,
      qb,
      code: (v) =>
        m.f64.min(m.f64.max(m.f64.add(m.f64.nearest(f.f32(m.f64.div(v, scale()))), zp()), f.f64(qn)), f.f64(qp)),
      // With a float32 scale, the quotient is the f32x4 one and its rounding f32x4.nearest; adding an
      // integer zero point is exact in float32 below 2^24, and beyond, sum and exact sum both clamp.
      code4:
        Math.fround(s) === s && Number.isInteger(z) && Math.abs(z) <= 2 ** 16
          ? (v) =>
              clampCode4(
                m.f32x4.add(
                  m.f32x4.nearest(m.f32x4.div(v, m.f32x4.splat(m.f32.demote(scale())))),
                  m.f32x4.splat(m.f32.demote(zp())),
                ),
              )
          : undefined,
    };
  }
  const stats = dlsStatistics(f, x, n, env.isa !== "mvp");
  const affine = dlsAffine(
    f,
    stats,
    p.map((v) => env.scalar(v)),
    bits,
  );
  const qdiv = f.f64Local();
  const [qlo, qhi, dlo, dhi] = [0, 1, 2, 3].map(() => f.f64Local());
  const qa = affine.alpha.get;
  const qb = affine.beta.get;
  const code = (v: Ex) => clampCode(f.f32(m.f64.div(f.f32(m.f64.add(v, qb())), qdiv.get())));
  // beta and the divisor hold float32 values, so this is `code` on f32x4 as for ActQuant.
  const code4 = (v: Ex) =>
    clampCode4(m.f32x4.div(m.f32x4.add(v, m.f32x4.splat(m.f32.demote(qb()))), m.f32x4.splat(m.f32.demote(qdiv.get()))));
  const line = (q: Ex) => f.f32(m.f64.sub(f.f32(m.f64.mul(q, qa())), qb()));
  const t = f.f64Local();
  const value = (q: Ex) =>
    m.block(
      null,
      [
        t.set(line(q)),
        m.select(
          m.f64.lt(t.get(), stats.lo.get()),
          stats.lo.get(),
          m.select(m.f64.gt(t.get(), stats.hi.get()), stats.hi.get(), t.get()),
        ),
      ],
      f.b.f64,
    );
  return {
    ...base,
    mode,
    qa,
    qb,
    qlo,
    qhi,
    dlo,
    dhi,
    value,
    code,
    code4,
    dls: { alpha: qa, beta: qb, alphaDiv: qdiv.get, lo: stats.lo.get, hi: stats.hi.get, qn, qp },
    setup: [
      ...stats.setup,
      ...affine.setup,
      qdiv.set(m.select(m.f64.gt(qa(), f.f64(0)), qa(), f.f64(1))),
      // The clip to [min, max] can move only the codes of the extreme elements off the affine line.
      qlo.set(code(stats.lo.get())),
      qhi.set(code(stats.hi.get())),
      dlo.set(m.f64.sub(value(qlo.get()), line(qlo.get()))),
      dhi.set(m.select(m.f64.eq(qhi.get(), qlo.get()), f.f64(0), m.f64.sub(value(qhi.get()), line(qhi.get())))),
    ],
  };
}
