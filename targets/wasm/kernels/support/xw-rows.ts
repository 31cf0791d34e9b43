import type { SymDim } from "../../../../compiler/plan/kernel-plan.js";
import { addDim, ONE } from "../../../shared/sym.js";
import type { Ex } from "../../binaryen.js";
import type { Arr, Local, Val } from "../../dsl.js";
import type { WasmKernelEnv } from "../types.js";
import type { ActivationQuant } from "./activation-quant.js";
import { extremeCodes } from "./lane-sums.js";
import { type RelaxedWeights, relaxedDotAdd } from "./relaxed-dot.js";
import { affineValue, alignedAfter, channelTerms } from "./wide-sums.js";

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
  /** All R rows of outputs. */
  readonly rows: (R: Val) => Ex[];
}

/** Rows summed together per block: each pair of weight vectors serves this many rows' codes. */
const ROWS = 4;

/**
 * The scratch xwRows needs, in 8-byte units: the codes take at most 2 bytes each of their 8; the
 * 6 * N f64 per-column terms follow them, then (DlsQuant) two i32 sums per column for each row of a
 * block, each 16-byte aligned, and the block's per-row counts and 32 i32 sums.
 */
export function xwScratch(codes: SymDim, N: number): SymDim {
  return addDim(codes, ONE, 6 * N + 4 * ROWS * Math.ceil(N / 4) + 24);
}

/**
 * Y = X @ W with SIMD, a block of four rows at a time. i32x4.dot_i16x8_s sums two products per lane
 * straight into i32: a row's codes k and k+1 are neighbours, one 32-bit load splats the pair, and
 * the weight rows k and k+1 of eight columns are interleaved into two vectors that serve all four
 * rows (32 i32 sums per pair of weight loads). Every sum over K counts, so a column's weight-code
 * sum and the count are constants: the epilogue's per-column products are computed once per call
 * into `tables`, the row's code sum once per row. For DlsQuant, whose two extreme codes dequantize
 * off the affine line, the weights met by those codes are summed (only in calls where a correction
 * is nonzero) by adding the weight rows of the row's extreme codes into per-column sums: extreme
 * codes are few. With the relaxed dot (affine quantizers), one instruction sums four rows of K for
 * four columns straight into the i32 sums, the weight blocks loaded once for the block's rows, and
 * the weights' bias comes off with each row's code sum. Remainder columns run the same arithmetic one
 * by one.
 */
export function xwRows(env: WasmKernelEnv, o: XwRows): XwRowsCode {
  const f = env.fn;
  const m = f.m;
  const { quant, K, N, codes, wt } = o;
  const relaxed = o.relaxed;
  const [tablesAt, extremesAt, fix] = [f.i32Local(), f.i32Local(), f.i32Local()];
  const tables: Arr = { elem: "f64", base: tablesAt.get };
  const dls =
    quant.mode === "dls" && quant.dlo && quant.dhi && quant.qlo && quant.qhi
      ? { dlo: quant.dlo, dhi: quant.dhi }
      : undefined;
  const [j, k, q, qw, sw, acc, swlo, swhi, isLo, isHi, pc, pw, end, tail] = Array.from({ length: 14 }, () =>
    f.i32Local(),
  );
  // Per block row: the code sum, the extreme codes' counts, and the i32 sums of eight columns.
  const [infoAt, blockSumsAt] = [f.i32Local(), f.i32Local()];
  const info = (t: number): Arr => ({ elem: "i32", base: () => f.add(infoAt.get(), f.i32(4 * ROWS * t)) });
  const blockSums: Arr = { elem: "i32", base: blockSumsAt.get };
  const [ii, pp] = [f.i32Local(), f.i32Local()];
  const [sx, nlo, nhi] = [0, 1, 2].map((t) => (i: Ex) => ({
    get: () => f.load(info(t), i),
    set: (e: Ex) => f.store(info(t), i, e),
  }));
  const vec = () => f.local(f.b.v128);
  const sums = Array.from({ length: ROWS }, () => [vec(), vec()]);
  const [vv, w0, w1, c] = [vec(), vec(), vec(), vec()];
  const v = f.f64Local();
  const extremes = dls ? extremeCodes(f, quant) : undefined;
  const table = (t: number, col: Ex) => f.add(f.i32(t * N), col);
  const [P1, P2, S3, T4, AW, BW] = [0, 1, 2, 3, 4, 5];
  const weightAt = (col: Ex) => f.add(f.mul(k.get(), f.i32(N)), col);
  const column = () => f.add(j.get(), m.i32.shl(pp.get(), f.i32(1)));
  const vload = (t: number) => m.v128.load(0, 8, f.addr(tables, table(t, column())));
  // Row i's sums of the weights met by the lowest (h = 0) and highest (h = 1) code, per column.
  const stride = 4 * Math.ceil(N / 4);
  const extremeSums = (i: Val, h: number): Arr => ({
    elem: "i32",
    base: () => f.add(extremesAt.get(), f.mul(f.add(f.mul(i(), f.i32(2)), f.i32(h)), f.i32(stride * 4))),
  });
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
    extremesAt.set(alignedAfter(f, tablesAt.get(), f.i32(6 * N * 8))),
    infoAt.set(f.add(extremesAt.get(), f.i32(2 * ROWS * stride * 4))),
    blockSumsAt.set(f.add(infoAt.get(), f.i32(4 * ROWS * 4))),
    ...(extremes?.setup ?? []),
    ...(dls ? [fix.set(m.i32.or(m.f64.ne(dls.dlo.get(), f.f64(0)), m.f64.ne(dls.dhi.get(), f.f64(0))))] : []),
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
  const correction = (vector: boolean, d: Local, swSum: Ex, n: Ex, col: (t: number) => Ex): Ex => {
    const ops = vector ? m.f64x2 : m.f64;
    const nf = m.f64.convert_s.i32(n);
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
  const codeAt = (row: Ex) => f.add(f.mul(row, f.i32(K)), k.get());
  // Row `row` (block row i): its code sum, and for DlsQuant in calls that correct, the extreme sums.
  const rowSums = (row: Val, at: number): Ex[] => {
    const i = () => f.i32(at);
    const addRow = (to: Arr): Ex[] => [
      f.for(
        j,
        f.i32(0),
        () => f.i32(N - 3),
        [
          m.v128.store(
            0,
            4,
            f.addr(to, j.get()),
            m.i32x4.add(
              m.v128.load(0, 4, f.addr(to, j.get())),
              m.i32x4.extend_low_i16x8_s(
                m.i16x8.extend_low_i8x16_s(m.v128.load32_zero(0, 1, f.addr(wt, weightAt(j.get())))),
              ),
            ),
          ),
        ],
        4,
      ),
      f.for(j, j.get(), () => f.i32(N), [
        f.store(to, j.get(), m.i32.add(f.load(to, j.get()), f.load(wt, weightAt(j.get())))),
      ]),
    ];
    const zero = (to: Arr) =>
      f.for(j, f.i32(0), () => f.i32(stride), [m.v128.store(0, 4, f.addr(to, j.get()), m.i32x4.splat(f.i32(0)))], 4);
    return [
      sx(f.i32(at)).set(f.i32(0)),
      f.for(k, f.i32(0), () => f.i32(K), [
        sx(f.i32(at)).set(m.i32.add(sx(f.i32(at)).get(), f.load(codes, codeAt(row())))),
      ]),
      ...(extremes
        ? [
            f.if(fix.get(), [
              nlo(f.i32(at)).set(f.i32(0)),
              nhi(f.i32(at)).set(f.i32(0)),
              zero(extremeSums(i, 0)),
              zero(extremeSums(i, 1)),
              f.for(k, f.i32(0), () => f.i32(K), [
                q.set(f.load(codes, codeAt(row()))),
                ...classify(),
                f.if(isLo.get(), [
                  nlo(f.i32(at)).set(m.i32.add(nlo(f.i32(at)).get(), f.i32(1))),
                  ...addRow(extremeSums(i, 0)),
                ]),
                f.if(isHi.get(), [
                  nhi(f.i32(at)).set(m.i32.add(nhi(f.i32(at)).get(), f.i32(1))),
                  ...addRow(extremeSums(i, 1)),
                ]),
              ]),
            ]),
          ]
        : []),
    ];
  };
  // Outputs j + 2pp, j + 2pp + 1 of block row ii of the block from row r, from the stored sums.
  const pair = (r: Local): Ex[] => {
    const row = () => f.add(r.get(), ii.get());
    const extremeSum = (h: number) =>
      m.f64x2.convert_low_i32x4_s(m.v128.load64_zero(0, 4, f.addr(extremeSums(ii.get, h), column())));
    return [
      vv.set(
        affineValue(
          f,
          true,
          vload(P1),
          m.f64x2.convert_low_i32x4_s(
            m.v128.load64_zero(
              0,
              4,
              f.addr(blockSums, f.add(f.mul(ii.get(), f.i32(8)), m.i32.shl(pp.get(), f.i32(1)))),
            ),
          ),
          vload(P2),
          m.f64x2.splat(m.f64.convert_s.i32(sx(ii.get()).get())),
          vload(S3),
          vload(T4),
        ),
      ),
      ...(dls
        ? [
            f.if(m.f64.ne(dls.dlo.get(), f.f64(0)), [
              vv.set(correction(true, dls.dlo, extremeSum(0), nlo(ii.get()).get(), vload)),
            ]),
            f.if(m.f64.ne(dls.dhi.get(), f.f64(0)), [
              vv.set(correction(true, dls.dhi, extremeSum(1), nhi(ii.get()).get(), vload)),
            ]),
          ]
        : []),
      ...o.finishPair(vv, column, () => f.add(f.mul(row(), f.i32(N)), column())),
    ];
  };
  // The block's outputs for columns j..j+width-1: one copy of the epilogue serves every row and pair.
  const outputs = (r: Local, rows: number, width: number): Ex[] => [
    ...sums
      .slice(0, rows)
      .flatMap((row, i) =>
        row.slice(0, width / 4).map((v, h) => m.v128.store(0, 16, f.addr(blockSums, f.i32(8 * i + 4 * h)), v.get())),
      ),
    f.for(ii, f.i32(0), () => f.i32(rows), [f.for(pp, f.i32(0), () => f.i32(width / 2), pair(r))]),
  ];
  const scalarColumn = (row: Val, at: number): Ex[] => [
    acc.set(f.i32(0)),
    swlo.set(f.i32(0)),
    swhi.set(f.i32(0)),
    f.for(k, f.i32(0), () => f.i32(K), [
      q.set(f.load(codes, codeAt(row()))),
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
        m.f64.convert_s.i32(sx(f.i32(at)).get()),
        f.load(tables, table(S3, j.get())),
        f.load(tables, table(T4, j.get())),
      ),
    ),
    ...(dls
      ? [
          f.if(m.f64.ne(dls.dlo.get(), f.f64(0)), [
            v.set(
              correction(false, dls.dlo, m.f64.convert_s.i32(swlo.get()), nlo(f.i32(at)).get(), (t) =>
                f.load(tables, table(t, j.get())),
              ),
            ),
          ]),
          f.if(m.f64.ne(dls.dhi.get(), f.f64(0)), [
            v.set(
              correction(false, dls.dhi, m.f64.convert_s.i32(swhi.get()), nhi(f.i32(at)).get(), (t) =>
                f.load(tables, table(t, j.get())),
              ),
            ),
          ]),
        ]
      : []),
    ...o.finish(v, j.get, f.add(f.mul(row(), f.i32(N)), j.get())),
  ];
  // The i32 sums of `rows` rows from `r` for columns j..j+4*vectors-1 (vectors 1 or 2), by pairs of K.
  const dotSums = (r: Local, rows: number, vectors: number): Ex[] => {
    const rowBytes = 2 * K;
    // Bytes 0-7 of a interleaved with bytes 0-7 of b: k's and k+1's code of each column, side by side.
    const zip = (a: Ex, b: Ex) => m.i8x16.shuffle(a, b, [0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23]);
    const weightRow = (offset: number) =>
      vectors === 2 ? m.v128.load64_zero(offset, 1, pw.get()) : m.v128.load32_zero(offset, 1, pw.get());
    const step = (pairs: Ex, codeAt: (i: number) => Ex): Ex[] => [
      c.set(pairs),
      w0.set(m.i16x8.extend_low_i8x16_s(c.get())),
      ...(vectors === 2 ? [w1.set(m.i16x8.extend_high_i8x16_s(c.get()))] : []),
      ...Array.from({ length: rows }, (_, i) => [
        c.set(codeAt(i)),
        ...[w0, w1]
          .slice(0, vectors)
          .map((w, h) => sums[i][h].set(m.i32x4.add(sums[i][h].get(), m.i32x4.dot_i16x8_s(c.get(), w.get())))),
      ]).flat(),
    ];
    return [
      ...sums
        .slice(0, rows)
        .flat()
        .map((s) => s.set(m.i32x4.splat(f.i32(0)))),
      pw.set(f.addr(wt, j.get())),
      pc.set(f.addr(codes, f.mul(r.get(), f.i32(K)))),
      end.set(f.add(pc.get(), f.i32(4 * (K >> 1)))),
      f.for(
        pc,
        pc.get(),
        end.get,
        [
          ...step(zip(weightRow(0), weightRow(N)), (i) => m.v128.load32_splat(i * rowBytes, 2, pc.get())),
          pw.set(f.add(pw.get(), f.i32(2 * N))),
        ],
        4,
      ),
      // An odd K's last code pairs with a zero: the zero weights make whatever it multiplies vanish.
      ...(K % 2
        ? step(zip(weightRow(0), m.v128.const(new Array(16).fill(0))), (i) =>
            m.i32x4.splat(m.i32.load16_u(i * rowBytes, 2, pc.get())),
          )
        : []),
    ];
  };
  // Blocks j/4 and j/4 + 1 of the biased weights, for `rows` rows from r; sum qx*(qw + bias) -
  // bias*sx = sum qx*qw exactly. Each group's two weight blocks serve every row of the block.
  const relaxedSums = (r: Local, rows: number, rw: RelaxedWeights): Ex[] => {
    const unbias = (l: Local, i: number) =>
      l.set(m.i32x4.sub(l.get(), m.i32x4.splat(m.i32.mul(sx(f.i32(i)).get(), f.i32(rw.bias)))));
    return [
      ...sums
        .slice(0, rows)
        .flat()
        .map((s) => s.set(m.i32x4.splat(f.i32(0)))),
      pw.set(f.addr(rw.codes, f.mul(m.i32.shr_u(j.get(), f.i32(2)), f.i32(rw.groups * 16)))),
      pc.set(f.addr(codes, f.mul(r.get(), f.i32(K)))),
      end.set(f.add(pc.get(), f.i32(4 * rw.groups))),
      f.for(
        pc,
        pc.get(),
        end.get,
        [
          w0.set(m.v128.load(0, 1, pw.get())),
          w1.set(m.v128.load(rw.groups * 16, 1, pw.get())),
          ...Array.from({ length: rows }, (_, i) => [
            c.set(m.v128.load32_splat(i * K, 1, pc.get())),
            sums[i][0].set(relaxedDotAdd(f, c.get(), w0.get(), sums[i][0].get())),
            sums[i][1].set(relaxedDotAdd(f, c.get(), w1.get(), sums[i][1].get())),
          ]).flat(),
          pw.set(f.add(pw.get(), f.i32(16))),
        ],
        4,
      ),
      ...sums.slice(0, rows).flatMap(([lo, hi], i) => [unbias(lo, i), unbias(hi, i)]),
    ];
  };
  // `rows` rows from r: eight columns at a time, then (i16 codes) four, then one by one.
  const block = (r: Local, rows: number): Ex[] => {
    const rowAt = (i: number) => () => f.add(r.get(), f.i32(i));
    const each = (body: (row: Val, i: number) => Ex[]) =>
      Array.from({ length: rows }, (_, i) => body(rowAt(i), i)).flat();
    return [
      ...each(rowSums),
      f.for(
        j,
        f.i32(0),
        () => f.i32(N - 7),
        [...(relaxed ? relaxedSums(r, rows, relaxed) : dotSums(r, rows, 2)), ...outputs(r, rows, 8)],
        8,
      ),
      ...(!relaxed && N % 8 >= 4
        ? [...dotSums(r, rows, 1), ...outputs(r, rows, 4), j.set(f.add(j.get(), f.i32(4)))]
        : []),
      tail.set(j.get()),
      ...each((row, i) => [f.for(j, tail.get(), () => f.i32(N), scalarColumn(row, i))]),
    ];
  };
  const rows = (R: Val): Ex[] => {
    const r = f.i32Local();
    return [
      f.for(r, f.i32(0), () => m.i32.sub(R(), f.i32(ROWS - 1)), block(r, ROWS), ROWS),
      f.for(r, r.get(), R, block(r, 1)),
    ];
  };
  return { setup, rows };
}
