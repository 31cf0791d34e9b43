import type { SymDim } from "../../../../compiler/plan/kernel-plan.js";
import { addDim, ONE } from "../../../shared/sym.js";
import type { Ex } from "../../binaryen.js";
import type { Arr, Local, Val } from "../../dsl.js";
import type { WasmKernelEnv } from "../types.js";
import type { ActivationQuant } from "./activation-quant.js";
import { extremeCodes } from "./lane-sums.js";
import { type RelaxedWeights, relaxedDotAdd } from "./relaxed-dot.js";
import {
  affineValue,
  alignedAfter,
  channelTerms,
  codeBound,
  i16Steps,
  stretches,
  WideSums,
  weightBound,
} from "./wide-sums.js";

export interface XwRows {
  readonly quant: ActivationQuant;
  readonly K: number;
  readonly N: number;
  /** Activation codes [R, K], one i16 each. */
  readonly codes: Arr;
  /** Weight codes [K, N]. */
  readonly wt: Arr;
  /** With the relaxed dot: the biased weights (support/relaxed-dot.ts); the codes are then i8. */
  readonly relaxed?: RelaxedWeights;
  /** How many codes `codes` holds: the per-column terms follow them (see xwScratch). */
  readonly codeCount: Val;
  readonly aw: (c: Ex) => Ex;
  readonly bw: (c: Ex) => Ex;
  /** Stores the f64 value `v` of column `j` at element `index`. */
  readonly finish: (v: Local, j: Val, index: Ex) => Ex[];
  /** Stores the f64x2 values `v` of columns `j`, `j` + 1 at elements `index`, `index` + 1. */
  readonly finishPair: (v: Local, j: Val, index: Val) => Ex[];
}

export interface XwRowsCode {
  /** Runs once per call, after the quantizer's setup: where the terms go, and the terms. */
  readonly setup: Ex[];
  /** Row `r`: all N outputs. */
  readonly row: (r: Local) => Ex[];
}

/**
 * Y = X @ W with SIMD: per row of X, eight neighbouring columns of W are summed per step from one
 * load of eight weight codes and a splat activation code (WideSums). Every sum over K counts, so a
 * column's weight-code sum and the count are constants: the epilogue's per-column products are
 * computed once per call into `tables`, the row's code sum once per row. For DlsQuant, whose two
 * extreme codes dequantize off the affine line, the weight codes met by those codes are summed in
 * two more masked WideSums. With the relaxed dot (affine quantizers), one instruction sums four
 * rows of four columns straight into the i32 sums, and the weights' bias comes off with the row's
 * code sum. Remainder columns run the same arithmetic one by one.
 */
/**
 * The scratch xwRows needs, in 8-byte units: the codes take at most 2 bytes each of their 8, and the
 * 6 * N f64 per-column terms follow them, 16-byte aligned.
 */
export function xwScratch(codes: SymDim, N: number): SymDim {
  return addDim(codes, ONE, 6 * N + 4);
}

export function xwRows(env: WasmKernelEnv, o: XwRows): XwRowsCode {
  const f = env.fn;
  const m = f.m;
  const { quant, K, N, codes, wt } = o;
  const tablesAt = f.i32Local();
  const tables: Arr = { elem: "f64", base: tablesAt.get };
  const dls =
    quant.mode === "dls" && quant.dlo && quant.dhi && quant.qlo && quant.qhi
      ? { dlo: quant.dlo, dhi: quant.dhi }
      : undefined;
  const steps = i16Steps(codeBound(quant) * Math.max(1, weightBound(env)));
  const [j, k, q, qw, sx, nlo, nhi, sw, acc, swlo, swhi, isLo, isHi] = Array.from({ length: 13 }, () => f.i32Local());
  const [vv, wv] = [f.local(f.b.v128), f.local(f.b.v128)];
  const v = f.f64Local();
  const extremes = dls ? extremeCodes(f, quant) : undefined;
  const sums = new WideSums(f);
  const [loSums, hiSums] = dls ? [new WideSums(f), new WideSums(f)] : [];
  const table = (t: number, col: Ex) => f.add(f.i32(t * N), col);
  const [P1, P2, S3, T4, AW, BW] = [0, 1, 2, 3, 4, 5];
  const codeAt = (r: Local) => f.add(f.mul(r.get(), f.i32(K)), k.get());
  const weightAt = (col: Ex) => f.add(f.mul(k.get(), f.i32(N)), col);
  const vload = (t: number, p: number) => m.v128.load(0, 8, f.addr(tables, table(t, f.add(j.get(), f.i32(2 * p)))));
  const terms = channelTerms(
    f,
    quant,
    () => o.aw(j.get()),
    () => o.bw(j.get()),
    sw.get,
    () => f.i32(K),
  );
  const setup = [
    tablesAt.set(alignedAfter(f, codes.base(), m.i32.shl(o.codeCount(), f.i32(1)))),
    ...(extremes?.setup ?? []),
    f.for(j, f.i32(0), () => f.i32(N), [
      sw.set(f.i32(0)),
      f.for(k, f.i32(0), () => f.i32(K), [sw.set(m.i32.add(sw.get(), f.load(wt, weightAt(j.get()))))]),
      f.store(tables, table(P1, j.get()), terms.p1),
      f.store(tables, table(P2, j.get()), terms.p2),
      f.store(tables, table(S3, j.get()), terms.s3),
      f.store(tables, table(T4, j.get()), terms.t4),
      f.store(tables, table(AW, j.get()), o.aw(j.get())),
      f.store(tables, table(BW, j.get()), o.bw(j.get())),
    ]),
  ];
  // DlsQuant's correction for one extreme code: v + d*(aw*sw - bw*n), lane-wise or scalar.
  const correction = (vector: boolean, d: Local, swSum: Ex, n: Local, col: (t: number) => Ex): Ex => {
    const ops = vector ? m.f64x2 : m.f64;
    const nf = m.f64.convert_s.i32(n.get());
    return ops.add(
      vector ? vv.get() : v.get(),
      ops.mul(
        vector ? m.f64x2.splat(d.get()) : d.get(),
        ops.sub(ops.mul(col(AW), swSum), ops.mul(col(BW), vector ? m.f64x2.splat(nf) : nf)),
      ),
    );
  };
  // The highest code counts only where it is not also the lowest, as in the scalar sums.
  const classify = (): Ex[] =>
    extremes
      ? [
          isLo.set(m.i32.eq(q.get(), extremes.lo.get())),
          isHi.set(m.i32.and(m.i32.eq(q.get(), extremes.hi.get()), m.i32.eqz(isLo.get()))),
        ]
      : [];
  const row = (r: Local): Ex[] => {
    const pair = (p: number): Ex[] => [
      vv.set(
        affineValue(
          f,
          true,
          vload(P1, p),
          sums.pair(p),
          vload(P2, p),
          m.f64x2.splat(m.f64.convert_s.i32(sx.get())),
          vload(S3, p),
          vload(T4, p),
        ),
      ),
      ...(dls && loSums && hiSums
        ? [
            f.if(m.f64.ne(dls.dlo.get(), f.f64(0)), [
              vv.set(correction(true, dls.dlo, loSums.pair(p), nlo, (t) => vload(t, p))),
            ]),
            f.if(m.f64.ne(dls.dhi.get(), f.f64(0)), [
              vv.set(correction(true, dls.dhi, hiSums.pair(p), nhi, (t) => vload(t, p))),
            ]),
          ]
        : []),
      ...o.finishPair(
        vv,
        () => f.add(j.get(), f.i32(2 * p)),
        () => f.add(f.mul(r.get(), f.i32(N)), j.get(), f.i32(2 * p)),
      ),
    ];
    const scalarColumn: Ex[] = [
      acc.set(f.i32(0)),
      swlo.set(f.i32(0)),
      swhi.set(f.i32(0)),
      f.for(k, f.i32(0), () => f.i32(K), [
        q.set(f.load(codes, codeAt(r))),
        qw.set(f.load(wt, weightAt(j.get()))),
        acc.set(m.i32.add(acc.get(), m.i32.mul(q.get(), qw.get()))),
        ...(extremes
          ? [
              ...classify(),
              swlo.set(m.i32.add(swlo.get(), m.i32.mul(qw.get(), isLo.get()))),
              swhi.set(m.i32.add(swhi.get(), m.i32.mul(qw.get(), isHi.get()))),
            ]
          : []),
      ]),
      v.set(
        affineValue(
          f,
          false,
          f.load(tables, table(P1, j.get())),
          m.f64.convert_s.i32(acc.get()),
          f.load(tables, table(P2, j.get())),
          m.f64.convert_s.i32(sx.get()),
          f.load(tables, table(S3, j.get())),
          f.load(tables, table(T4, j.get())),
        ),
      ),
      ...(dls
        ? [
            f.if(m.f64.ne(dls.dlo.get(), f.f64(0)), [
              v.set(
                correction(false, dls.dlo, m.f64.convert_s.i32(swlo.get()), nlo, (t) =>
                  f.load(tables, table(t, j.get())),
                ),
              ),
            ]),
            f.if(m.f64.ne(dls.dhi.get(), f.f64(0)), [
              v.set(
                correction(false, dls.dhi, m.f64.convert_s.i32(swhi.get()), nhi, (t) =>
                  f.load(tables, table(t, j.get())),
                ),
              ),
            ]),
          ]
        : []),
      ...o.finish(v, j.get, f.add(f.mul(r.get(), f.i32(N)), j.get())),
    ];
    return [
      sx.set(f.i32(0)),
      nlo.set(f.i32(0)),
      nhi.set(f.i32(0)),
      f.for(k, f.i32(0), () => f.i32(K), [
        q.set(f.load(codes, codeAt(r))),
        sx.set(m.i32.add(sx.get(), q.get())),
        ...(extremes
          ? [...classify(), nlo.set(m.i32.add(nlo.get(), isLo.get())), nhi.set(m.i32.add(nhi.get(), isHi.get()))]
          : []),
      ]),
      f.for(
        j,
        f.i32(0),
        () => f.i32(N - 7),
        [
          ...sums.reset(),
          ...(loSums?.reset() ?? []),
          ...(hiSums?.reset() ?? []),
          ...(o.relaxed ? relaxedSums(r, o.relaxed) : iSums(r)),
          ...[0, 1, 2, 3].flatMap(pair),
        ],
        8,
      ),
      f.for(j, j.get(), () => f.i32(N), scalarColumn),
    ];
  };
  const iSums = (r: Local): Ex[] => {
    const mask = (is: Local) => m.i16x8.splat(m.i32.sub(f.i32(0), is.get()));
    return [
      ...stretches(
        f,
        k,
        K,
        steps,
        [
          q.set(f.load(codes, codeAt(r))),
          wv.set(m.v128.load8x8_s(0, 1, f.addr(wt, weightAt(j.get())))),
          sums.add(m.i16x8.mul(m.i16x8.splat(q.get()), wv.get())),
          ...(extremes && loSums && hiSums
            ? [
                ...classify(),
                loSums.add(m.v128.and(wv.get(), mask(isLo))),
                hiSums.add(m.v128.and(wv.get(), mask(isHi))),
              ]
            : []),
        ],
        () => [...sums.widen(), ...(loSums?.widen() ?? []), ...(hiSums?.widen() ?? [])],
      ),
    ];
  };
  // Blocks j/4 and j/4 + 1 of the biased weights; sum qx*(qw + bias) - bias*sx = sum qx*qw exactly.
  const relaxedSums = (r: Local, rw: RelaxedWeights): Ex[] => {
    const block = (b: number) =>
      m.v128.load(
        0,
        1,
        f.addr(
          rw.codes,
          f.add(
            f.mul(m.i32.add(m.i32.shr_u(j.get(), f.i32(2)), f.i32(b)), f.i32(rw.groups * 16)),
            f.mul(k.get(), f.i32(16)),
          ),
        ),
      );
    const unbias = (l: Local) => l.set(m.i32x4.sub(l.get(), m.i32x4.splat(m.i32.mul(sx.get(), f.i32(rw.bias)))));
    return [
      f.for(k, f.i32(0), () => f.i32(rw.groups), [
        wv.set(m.v128.load32_splat(0, 1, f.addr(codes, f.add(f.mul(r.get(), f.i32(K)), f.mul(k.get(), f.i32(4)))))),
        sums.lo.set(relaxedDotAdd(f, wv.get(), block(0), sums.lo.get())),
        sums.hi.set(relaxedDotAdd(f, wv.get(), block(1), sums.hi.get())),
      ]),
      unbias(sums.lo),
      unbias(sums.hi),
    ];
  };
  return { setup, row };
}
