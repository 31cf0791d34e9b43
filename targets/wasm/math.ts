import { EXPM1_SERIES_BELOW } from "../js/runtime/math.js";
import type { Binaryen, Ex, WasmModule } from "./binaryen.js";
import { Fn, type Local } from "./dsl.js";
import { qerf } from "./erf.js";
import { qexp32, qsoftplus32 } from "./scan-math.js";
import { qsigmoid } from "./sigmoid.js";

/**
 * Math inside the module (an artifact imports nothing). exp and log1p are the fdlibm routines of
 * targets/js/runtime/math.ts, operation for operation in f64, so every result is bit-identical to the
 * js artifacts and to Node's Math.exp / Math.log1p; expm1, log, tanh and softplus are built from them
 * as the js target builds them; sigmoid, erf and the float scan's exp32 and softplus32 are the reference's
 * float32 routines (sigmoid.ts, erf.ts, scan-math.ts).
 * Word access goes through i64 reinterpretation instead of typed arrays.
 */
const MATH_FNS = [
  "qexp",
  "qlog1p",
  "qexpm1",
  "qlog",
  "qsigmoid",
  "qerf",
  "qtanh",
  "qsoftplus",
  "qexp32",
  "qsoftplus32",
] as const;
export type MathFn = (typeof MATH_FNS)[number];

const NEEDS: Readonly<Record<MathFn, readonly MathFn[]>> = {
  qexp: [],
  qlog1p: [],
  qexpm1: ["qexp"],
  qlog: ["qlog1p"],
  qsigmoid: [],
  qerf: [],
  qtanh: ["qexp"],
  qsoftplus: ["qexp", "qlog1p"],
  qexp32: [],
  qsoftplus32: [],
};

/** Adds the math functions the kernels called (and what those call) to the module, in a fixed order. */
export function addMathFunctions(b: Binaryen, m: WasmModule, used: ReadonlySet<MathFn>): void {
  const wanted = new Set<MathFn>();
  const visit = (n: MathFn) => {
    if (wanted.has(n)) return;
    wanted.add(n);
    for (const d of NEEDS[n]) visit(d);
  };
  for (const n of used) visit(n);
  const builders: Record<MathFn, (f: Fn) => void> = {
    qexp: expFn,
    qlog1p: log1pFn,
    qexpm1: expm1Fn,
    qlog: logFn,
    qsigmoid: qsigmoid.scalar,
    qerf: qerf.scalar,
    qtanh: tanhFn,
    qsoftplus: softplusFn,
    qexp32: qexp32.scalar,
    qsoftplus32: qsoftplus32.scalar,
  };
  for (const n of MATH_FNS) if (wanted.has(n)) builders[n](new Fn(b, m));
}

export function callMath(f: Fn, name: MathFn, arg: Ex): Ex {
  return f.m.call(name, [arg], f.b.f64);
}

/** The high 32 bits of a double. */
function highWord(f: Fn, x: Ex): Ex {
  const m = f.m;
  return m.i32.wrap(m.i64.shr_u(m.i64.reinterpret(x), m.i64.const(32n)));
}

function lowWord(f: Fn, x: Ex): Ex {
  return f.m.i32.wrap(f.m.i64.reinterpret(x));
}

/** `x` with its high word replaced by `hi` (an i32). */
function withHighWord(f: Fn, x: Ex, hi: Ex): Ex {
  const m = f.m;
  return m.f64.reinterpret(
    m.i64.or(
      m.i64.and(m.i64.reinterpret(x), m.i64.const(0xffffffffn)),
      m.i64.shl(m.i64.extend_u(hi), m.i64.const(32n)),
    ),
  );
}

/** 2^k as a double from its high word 0x3ff00000 + (k << 20) (low word 0). */
function twoTo(f: Fn, k: Ex): Ex {
  const m = f.m;
  return m.f64.reinterpret(
    m.i64.shl(m.i64.extend_u(m.i32.add(f.i32(0x3ff00000), m.i32.shl(k, f.i32(20)))), m.i64.const(32n)),
  );
}

export const LN2_HI = 0.6931471803691238;
export const LN2_LO = 1.9082149292705877e-10;
/** fdlibm exp's P1..P5: exp(r) = 1 + 2r / (R(r) - r), R(r) = 2 + r^2 (P1 + r^2 (P2 + ...)) on |r| <= ln2 / 2. */
const EXP_P = [
  0.16666666666666602, -0.0027777777777015593, 6.613756321437934e-5, -1.6533902205465252e-6, 4.1381367970572385e-8,
] as const;

/** exp's P1 + t (P2 + t (P3 + ...)), t = r^2, in its operation order, from the given add, mul and constant. */
export function expPoly(t: () => Ex, add: (a: Ex, b: Ex) => Ex, mul: (a: Ex, b: Ex) => Ex, c: (v: number) => Ex): Ex {
  const last = EXP_P.length - 1;
  return EXP_P.slice(0, last).reduceRight((acc, p) => add(c(p), mul(t(), acc)), c(EXP_P[last]));
}

function expFn(f: Fn): void {
  const { m } = f;
  const x = f.param(f.b.f64);
  const hx = f.i32Local();
  const xsb = f.i32Local();
  const k = f.i32Local();
  const hi = f.f64Local();
  const lo = f.f64Local();
  const c = f.f64Local();
  const t = f.f64Local();
  const y = f.f64Local();
  const F = (v: number) => f.f64(v);
  const signed = (pos: number, neg: number) => m.select(m.i32.eqz(xsb.get()), F(pos), F(neg));
  const poly = () =>
    m.f64.mul(
      t.get(),
      expPoly(
        t.get,
        (a, b) => m.f64.add(a, b),
        (a, b) => m.f64.mul(a, b),
        F,
      ),
    );
  const xc = () => m.f64.mul(x.get(), c.get());
  f.build(
    "qexp",
    f.b.f64,
    f.seq([
      hx.set(highWord(f, x.get())),
      xsb.set(m.i32.shr_u(hx.get(), f.i32(31))),
      hx.set(m.i32.and(hx.get(), f.i32(0x7fffffff))),
      f.if(m.i32.ge_u(hx.get(), f.i32(0x40862e42)), [
        f.if(m.i32.ge_u(hx.get(), f.i32(0x7ff00000)), [
          f.if(m.i32.or(m.i32.and(hx.get(), f.i32(0xfffff)), lowWord(f, x.get())), [
            m.return(m.f64.add(x.get(), x.get())),
          ]),
          m.return(m.select(m.i32.eqz(xsb.get()), x.get(), F(0))),
        ]),
        f.if(m.f64.gt(x.get(), F(709.782712893384)), [m.return(F(Number.POSITIVE_INFINITY))]),
        f.if(m.f64.lt(x.get(), F(-745.1332191019411)), [m.return(F(0))]),
      ]),
      f.if(
        m.i32.gt_u(hx.get(), f.i32(0x3fd62e42)),
        [
          f.if(
            m.i32.lt_u(hx.get(), f.i32(0x3ff0a2b2)),
            [
              // V8 special-cases exp(1) to return Math.E, whose last bit fdlibm misses; so does the js target.
              f.if(m.f64.eq(x.get(), F(1)), [m.return(F(Math.E))]),
              hi.set(m.f64.sub(x.get(), signed(LN2_HI, -LN2_HI))),
              lo.set(signed(LN2_LO, -LN2_LO)),
              k.set(m.i32.sub(m.i32.sub(f.i32(1), xsb.get()), xsb.get())),
            ],
            [
              k.set(m.i32.trunc_s.f64(m.f64.add(m.f64.mul(F(Math.LOG2E), x.get()), signed(0.5, -0.5)))),
              t.set(m.f64.convert_s.i32(k.get())),
              hi.set(m.f64.sub(x.get(), m.f64.mul(t.get(), F(LN2_HI)))),
              lo.set(m.f64.mul(t.get(), F(LN2_LO))),
            ],
          ),
          x.set(m.f64.sub(hi.get(), lo.get())),
        ],
        [f.if(m.i32.lt_u(hx.get(), f.i32(0x3e300000)), [m.return(m.f64.add(F(1), x.get()))])],
      ),
      t.set(m.f64.mul(x.get(), x.get())),
      c.set(m.f64.sub(x.get(), poly())),
      f.if(m.i32.eqz(k.get()), [
        m.return(m.f64.sub(F(1), m.f64.sub(m.f64.div(xc(), m.f64.sub(c.get(), F(2))), x.get()))),
      ]),
      y.set(m.f64.sub(F(1), m.f64.sub(m.f64.sub(lo.get(), m.f64.div(xc(), m.f64.sub(F(2), c.get()))), hi.get()))),
      f.if(m.i32.eq(k.get(), f.i32(1024)), [m.return(m.f64.mul(m.f64.mul(y.get(), F(2)), F(8.98846567431158e307)))]),
      f.if(m.i32.ge_s(k.get(), f.i32(-1021)), [m.return(m.f64.mul(y.get(), twoTo(f, k.get())))]),
      m.return(m.f64.mul(m.f64.mul(y.get(), twoTo(f, m.i32.add(k.get(), f.i32(1000)))), F(9.332636185032189e-302))),
    ]),
  );
}

/** fdlibm log1p's Lp1..Lp7: log(1 + f) = f - (hfsq - s (hfsq + R(z))), R(z) = z (Lp1 + z (Lp2 + ...)), z = s^2. */
const LOG1P_LP = [
  0.6666666666666735, 0.3999999999940942, 0.2857142874366239, 0.22222198432149784, 0.1818357216161805,
  0.15313837699209373, 0.14798198605116586,
] as const;

/** log1p's R(z) in its operation order, from the given add, mul and constant (scalar or f64x2). */
export function log1pPoly(z: () => Ex, add: (a: Ex, b: Ex) => Ex, mul: (a: Ex, b: Ex) => Ex, c: (v: number) => Ex): Ex {
  const last = LOG1P_LP.length - 1;
  return LOG1P_LP.slice(0, last).reduceRight((acc, p) => mul(z(), add(c(p), acc)), mul(z(), c(LOG1P_LP[last])));
}

function log1pFn(f: Fn): void {
  const { m } = f;
  const x = f.param(f.b.f64);
  const [hfsq, fv, c, s, z, R, u, word] = [0, 1, 2, 3, 4, 5, 6, 7].map(() => f.f64Local());
  const [k, hx, hu, ax] = [0, 1, 2, 3].map(() => f.i32Local());
  const F = (v: number) => f.f64(v);
  const I = (v: number) => f.i32(v | 0);
  const kf = () => m.f64.convert_s.i32(k.get());
  const setHigh = (l: Local, hi: Ex) => l.set(withHighWord(f, l.get(), hi));
  const poly = () =>
    log1pPoly(
      z.get,
      (a, b) => m.f64.add(a, b),
      (a, b) => m.f64.mul(a, b),
      F,
    );
  const klo = () => m.f64.add(m.f64.mul(kf(), F(LN2_LO)), c.get());
  f.build(
    "qlog1p",
    f.b.f64,
    f.seq([
      hx.set(highWord(f, x.get())),
      ax.set(m.i32.and(hx.get(), I(0x7fffffff))),
      k.set(I(1)),
      f.if(m.i32.lt_s(hx.get(), I(0x3fda827a)), [
        f.if(m.i32.ge_s(ax.get(), I(0x3ff00000)), [
          m.return(m.select(m.f64.eq(x.get(), F(-1)), F(Number.NEGATIVE_INFINITY), F(Number.NaN))),
        ]),
        f.if(m.i32.lt_s(ax.get(), I(0x3e200000)), [
          m.return(
            m.select(
              m.i32.lt_s(ax.get(), I(0x3c900000)),
              x.get(),
              m.f64.sub(x.get(), m.f64.mul(m.f64.mul(x.get(), x.get()), F(0.5))),
            ),
          ),
        ]),
        f.if(m.i32.or(m.i32.gt_s(hx.get(), I(0)), m.i32.le_s(hx.get(), I(0xbfd2bec4))), [
          k.set(I(0)),
          fv.set(x.get()),
          hu.set(I(1)),
        ]),
      ]),
      f.if(m.i32.ge_s(hx.get(), I(0x7ff00000)), [m.return(m.f64.add(x.get(), x.get()))]),
      f.if(m.i32.ne(k.get(), I(0)), [
        f.if(
          m.i32.lt_s(hx.get(), I(0x43400000)),
          [
            u.set(m.f64.add(F(1), x.get())),
            word.set(u.get()),
            hu.set(highWord(f, u.get())),
            k.set(m.i32.sub(m.i32.shr_s(hu.get(), I(20)), I(1023))),
            c.set(
              m.select(
                m.i32.gt_s(k.get(), I(0)),
                m.f64.sub(F(1), m.f64.sub(u.get(), x.get())),
                m.f64.sub(x.get(), m.f64.sub(u.get(), F(1))),
              ),
            ),
            c.set(m.f64.div(c.get(), u.get())),
          ],
          [
            word.set(x.get()),
            hu.set(highWord(f, x.get())),
            k.set(m.i32.sub(m.i32.shr_s(hu.get(), I(20)), I(1023))),
            c.set(F(0)),
          ],
        ),
        hu.set(m.i32.and(hu.get(), I(0x000fffff))),
        f.if(
          m.i32.lt_s(hu.get(), I(0x6a09e)),
          [setHigh(word, m.i32.or(hu.get(), I(0x3ff00000)))],
          [
            k.set(m.i32.add(k.get(), I(1))),
            setHigh(word, m.i32.or(hu.get(), I(0x3fe00000))),
            hu.set(m.i32.shr_s(m.i32.sub(I(0x00100000), hu.get()), I(2))),
          ],
        ),
        fv.set(m.f64.sub(word.get(), F(1))),
      ]),
      hfsq.set(m.f64.mul(m.f64.mul(F(0.5), fv.get()), fv.get())),
      f.if(m.i32.eqz(hu.get()), [
        f.if(m.f64.eq(fv.get(), F(0)), [
          f.if(m.i32.eqz(k.get()), [m.return(F(0))]),
          c.set(m.f64.add(c.get(), m.f64.mul(kf(), F(LN2_LO)))),
          m.return(m.f64.add(m.f64.mul(kf(), F(LN2_HI)), c.get())),
        ]),
        R.set(m.f64.mul(hfsq.get(), m.f64.sub(F(1), m.f64.mul(F(0.6666666666666666), fv.get())))),
        f.if(m.i32.eqz(k.get()), [m.return(m.f64.sub(fv.get(), R.get()))]),
        m.return(m.f64.sub(m.f64.mul(kf(), F(LN2_HI)), m.f64.sub(m.f64.sub(R.get(), klo()), fv.get()))),
      ]),
      s.set(m.f64.div(fv.get(), m.f64.add(F(2), fv.get()))),
      z.set(m.f64.mul(s.get(), s.get())),
      R.set(poly()),
      f.if(m.i32.eqz(k.get()), [
        m.return(m.f64.sub(fv.get(), m.f64.sub(hfsq.get(), m.f64.mul(s.get(), m.f64.add(hfsq.get(), R.get()))))),
      ]),
      m.return(
        m.f64.sub(
          m.f64.mul(kf(), F(LN2_HI)),
          m.f64.sub(
            m.f64.sub(hfsq.get(), m.f64.add(m.f64.mul(s.get(), m.f64.add(hfsq.get(), R.get())), klo())),
            fv.get(),
          ),
        ),
      ),
    ]),
  );
}

/** e^x - 1 from qexp, a series near 0 (the js target's qexpm1). */
function expm1Fn(f: Fn): void {
  const { m } = f;
  const x = f.param(f.b.f64);
  const near0 = m.f64.lt(m.f64.abs(x.get()), f.f64(EXPM1_SERIES_BELOW));
  const x2 = () => m.f64.mul(x.get(), x.get());
  f.build(
    "qexpm1",
    f.b.f64,
    f.seq([
      f.if(near0, [
        m.return(
          m.f64.add(m.f64.add(x.get(), m.f64.mul(x2(), f.f64(0.5))), m.f64.div(m.f64.mul(x2(), x.get()), f.f64(6))),
        ),
      ]),
      m.return(m.f64.sub(callMath(f, "qexp", x.get()), f.f64(1))),
    ]),
  );
}

/** The natural log of a float32 value from qlog1p (the js target's qlog, operation for operation). */
function logFn(f: Fn): void {
  const { m } = f;
  const x = f.param(f.b.f64);
  const hx = f.i32Local();
  const k = f.i32Local();
  const mant = f.f64Local();
  const kf = () => m.f64.convert_s.i32(k.get());
  f.build(
    "qlog",
    f.b.f64,
    f.seq([
      f.if(m.f64.ge(x.get(), f.f64(0.5)), [m.return(callMath(f, "qlog1p", m.f64.sub(x.get(), f.f64(1))))]),
      f.if(m.i32.eqz(m.f64.gt(x.get(), f.f64(0))), [
        m.return(m.select(m.f64.eq(x.get(), f.f64(0)), f.f64(-Infinity), f.f64(Number.NaN))),
      ]),
      hx.set(highWord(f, x.get())),
      k.set(m.i32.sub(m.i32.shr_s(hx.get(), f.i32(20)), f.i32(1023))),
      mant.set(withHighWord(f, x.get(), m.i32.or(m.i32.and(hx.get(), f.i32(0x000fffff)), f.i32(0x3ff00000)))),
      f.if(m.f64.gt(mant.get(), f.f64(Math.SQRT2)), [
        mant.set(withHighWord(f, x.get(), m.i32.or(m.i32.and(hx.get(), f.i32(0x000fffff)), f.i32(0x3fe00000)))),
        k.set(m.i32.add(k.get(), f.i32(1))),
      ]),
      m.return(
        m.f64.add(
          m.f64.mul(kf(), f.f64(LN2_HI)),
          m.f64.add(callMath(f, "qlog1p", m.f64.sub(mant.get(), f.f64(1))), m.f64.mul(kf(), f.f64(LN2_LO))),
        ),
      ),
    ]),
  );
}

/** tanh from qexp; a short series near 0, where 1 - e^(-2|x|) would cancel (the js target's qtanh). */
function tanhFn(f: Fn): void {
  const { m } = f;
  const x = f.param(f.b.f64);
  const a = f.f64Local();
  const e = f.f64Local();
  const r = f.f64Local();
  f.build(
    "qtanh",
    f.b.f64,
    f.seq([
      a.set(m.f64.abs(x.get())),
      f.if(
        m.f64.gt(a.get(), f.f64(22)),
        [r.set(f.f64(1))],
        [
          f.if(
            m.f64.lt(a.get(), f.f64(1e-4)),
            [r.set(m.f64.sub(a.get(), m.f64.div(m.f64.mul(m.f64.mul(a.get(), a.get()), a.get()), f.f64(3))))],
            [
              e.set(callMath(f, "qexp", m.f64.mul(f.f64(-2), a.get()))),
              r.set(m.f64.div(m.f64.sub(f.f64(1), e.get()), m.f64.add(f.f64(1), e.get()))),
            ],
          ),
        ],
      ),
      m.return(m.select(m.f64.lt(x.get(), f.f64(0)), m.f64.neg(r.get()), r.get())),
    ]),
  );
}

/** log(1 + e^x) without overflow (the js target's qsoftplus). */
function softplusFn(f: Fn): void {
  const { m } = f;
  const x = f.param(f.b.f64);
  f.build(
    "qsoftplus",
    f.b.f64,
    f.seq([
      f.if(m.f64.gt(x.get(), f.f64(0)), [
        m.return(m.f64.add(x.get(), callMath(f, "qlog1p", callMath(f, "qexp", m.f64.neg(x.get()))))),
      ]),
      m.return(callMath(f, "qlog1p", callMath(f, "qexp", x.get()))),
    ]),
  );
}
