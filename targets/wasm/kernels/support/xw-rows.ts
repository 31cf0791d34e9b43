import type { SymDim } from "../../../../compiler/plan/kernel-plan.js";
import { addDim, ONE } from "../../../shared/sym.js";
import type { Ex } from "../../binaryen.js";
import type { Arr, Local, Val } from "../../dsl.js";
import type { WasmKernelEnv } from "../types.js";
import type { ActivationQuant } from "./activation-quant.js";
import { extremeCodes } from "./lane-sums.js";
import { type RelaxedWeights, relaxedDotAdd } from "./relaxed-dot.js";
import { affineValue, alignedAfter, channelTerms, weightBound } from "./wide-sums.js";

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
  /** The weight offsets; none where the weights are symmetric (weightParams). */
  readonly bw?: (c: Ex) => Ex;
  /** Stores the f64 value `v` of column `j` at element `index`. */
  readonly finish: (v: Local, j: Val, index: Ex) => Ex[];
  /** Stores the f64x2 values `vs[i]` of columns `j` + 2i, `j` + 2i + 1 at elements `index` + 2i, `index` + 2i + 1. */
  readonly finishPairs: (vs: readonly Local[], j: Val, index: Val) => Ex[];
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
 * 6 * N f64 per-column terms follow them, then (DlsQuant) where each row of a block has its lowest
 * and highest codes (2 * ROWS lists of at most K i32), each 16-byte aligned; then the block's
 * per-row code sums and counts, its 32 i32 sums, and its rows' weight sums over their extreme codes
 * (2 * ROWS * 8 i32).
 */
export function xwScratch(codes: SymDim, N: number, K: number): SymDim {
  return addDim(codes, ONE, 6 * N + 4 * K + 60);
}

/**
 * Y = X @ W with SIMD, a block of four rows at a time. i32x4.dot_i16x8_s sums two products per lane
 * straight into i32: a row's codes k and k+1 are neighbours, one 32-bit load splats the pair, and
 * the weight rows k and k+1 of eight columns, interleaved as i16 once at prepare (weightPairs), are
 * two vectors that serve all four rows (32 i32 sums per pair of weight loads). Every sum over K counts, so a column's weight-code
 * sum and the count are constants: the epilogue's per-column products are computed once per call
 * into `tables`, the row's code sum once per row. For DlsQuant, whose two extreme codes dequantize
 * off the affine line, the weights met by those codes are summed only in calls where a correction
 * is nonzero: each row lists where its extreme codes are (eight codes compared a step), and per
 * block of columns the listed weight rows are added up, in i16 lanes where K weights cannot
 * overflow them. With the relaxed dot (affine quantizers), one instruction sums four rows of K for
 * four columns straight into the i32 sums, the weight blocks loaded once for the block's rows, and
 * the weights' bias comes off with each row's code sum. Remainder columns run the same arithmetic one
 * by one.
 */
export function xwRows(env: WasmKernelEnv, o: XwRows): XwRowsCode {
  const f = env.fn;
  const m = f.m;
  const { quant, K, N, codes, wt } = o;
  const relaxed = o.relaxed;
  const [tablesAt, listsAt, fix] = [f.i32Local(), f.i32Local(), f.i32Local()];
  const tables: Arr = { elem: "f64", base: tablesAt.get };
  const dls =
    quant.mode === "dls" && quant.dlo && quant.dhi && quant.qlo && quant.qhi
      ? { dlo: quant.dlo, dhi: quant.dhi }
      : undefined;
  const [j, k, q, qw, sw, acc, swlo, swhi, isLo, isHi, pc, pw, end, tail, bits, count, nlo, nhi] = Array.from(
    { length: 18 },
    () => f.i32Local(),
  );
  // Per block row: the code sum, the extreme codes' counts, the i32 sums of eight columns, and the
  // sums of those columns' weights over the row's lowest and highest codes.
  const [infoAt, blockSumsAt, extremeSumsAt] = [f.i32Local(), f.i32Local(), f.i32Local()];
  const info = (t: number): Arr => ({ elem: "i32", base: () => f.add(infoAt.get(), f.i32(4 * ROWS * t)) });
  const blockSums: Arr = { elem: "i32", base: blockSumsAt.get };
  const extremeSums = (i: Ex, h: number): Ex => f.add(extremeSumsAt.get(), f.mul(i, f.i32(64)), f.i32(32 * h));
  // Where row i's lowest (h = 0) or highest (h = 1) codes' weight rows start (k * N).
  const list = (i: number, h: number): Arr => ({
    elem: "i32",
    base: () => f.add(listsAt.get(), f.i32(4 * K * (2 * i + h))),
  });
  const ii = f.i32Local();
  const [sx, loCount, hiCount] = [0, 1, 2].map((t) => (i: Ex) => ({
    get: () => f.load(info(t), i),
    set: (e: Ex) => f.store(info(t), i, e),
  }));
  const vec = () => f.local(f.b.v128);
  const sums = Array.from({ length: ROWS }, () => [vec(), vec()]);
  const [w0, w1, c, e0, e1, sxRow] = [vec(), vec(), vec(), vec(), vec(), vec()];
  const values = Array.from({ length: 4 }, vec);
  const v = f.f64Local();
  const extremes = dls ? extremeCodes(f, quant) : undefined;
  // Weight rows k and k+1 of each group of four columns, interleaved as i16 pairs (pairTable).
  const PAIRS = Math.ceil(K / 2);
  const pairTable = relaxed ? undefined : weightPairs(env, K, N);
  const table = (t: number, col: Ex) => f.add(f.i32(t * N), col);
  const [P1, P2, S3, T4, AW, BW] = [0, 1, 2, 3, 4, 5];
  const weightAt = (col: Ex) => f.add(f.mul(k.get(), f.i32(N)), col);
  const column = (p: number) => f.add(j.get(), f.i32(2 * p));
  const vload = (t: number, p: number) => m.v128.load(0, 8, f.addr(tables, table(t, column(p))));
  const bw = o.bw;
  const terms = channelTerms(
    f,
    quant,
    () => o.aw(j.get()),
    bw && (() => bw(j.get())),
    sw.get,
    () => f.i32(K),
  );
  const setup = [
    tablesAt.set(alignedAfter(f, codes.base(), m.i32.shl(o.codeCount(), f.i32(1)))),
    listsAt.set(alignedAfter(f, tablesAt.get(), f.i32(6 * N * 8))),
    infoAt.set(alignedAfter(f, listsAt.get(), f.i32(2 * ROWS * K * 4))),
    blockSumsAt.set(f.add(infoAt.get(), f.i32(4 * ROWS * 4))),
    extremeSumsAt.set(f.add(blockSumsAt.get(), f.i32(32 * 4))),
    ...(extremes?.setup ?? []),
    ...(dls ? [fix.set(m.i32.or(m.f64.ne(dls.dlo.get(), f.f64(0)), m.f64.ne(dls.dhi.get(), f.f64(0))))] : []),
    f.for(j, f.i32(0), () => f.i32(N), [
      sw.set(f.i32(0)),
      f.for(k, f.i32(0), () => f.i32(K), [sw.set(m.i32.add(sw.get(), f.load(wt, weightAt(j.get()))))]),
      f.store(tables, table(P1, j.get()), terms.p1),
      f.store(tables, table(S3, j.get()), terms.s3),
      f.store(tables, table(AW, j.get()), o.aw(j.get())),
      ...(bw && terms.offsets
        ? [
            f.store(tables, table(P2, j.get()), terms.offsets.p2),
            f.store(tables, table(T4, j.get()), terms.offsets.t4),
            f.store(tables, table(BW, j.get()), bw(j.get())),
          ]
        : []),
    ]),
  ];
  // DlsQuant's correction for one extreme code: v + d*(aw*sw - bw*n) (v + d*(aw*sw) with symmetric
  // weights), lane-wise or scalar.
  const correction = (vector: boolean, value: Ex, d: Local, swSum: Ex, n: Ex, col: (t: number) => Ex): Ex => {
    const ops = vector ? m.f64x2 : m.f64;
    const nf = () => m.f64.convert_s.i32(n);
    const weights = ops.mul(col(AW), swSum);
    return ops.add(
      value,
      ops.mul(
        vector ? m.f64x2.splat(d.get()) : d.get(),
        bw ? ops.sub(weights, ops.mul(col(BW), vector ? m.f64x2.splat(nf()) : nf())) : weights,
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
  // Appends (k + each set bit of `bits`) * N, where the weight row of that code starts, to `to`,
  // counting in `n`.
  const append = (to: Arr, n: Local): Ex => {
    const top = f.label("bit");
    return f.if(bits.get(), [
      m.loop(
        top,
        f.seq([
          f.store(to, n.get(), f.mul(f.add(k.get(), m.i32.ctz(bits.get())), f.i32(N))),
          n.set(f.add(n.get(), f.i32(1))),
          bits.set(m.i32.and(bits.get(), m.i32.sub(bits.get(), f.i32(1)))),
          m.br(top, bits.get()),
        ]),
      ),
    ]);
  };
  // The lanes of the eight codes in `c` equal to `code`, as the low eight bits of an i32 (the codes
  // compared as i32, where no code equals the out-of-range code of a NaN quantizer).
  const lanesEqual = (code: Local): Ex =>
    m.i16x8.bitmask(
      m.i16x8.narrow_i32x4_s(
        m.i32x4.eq(m.i32x4.extend_low_i16x8_s(c.get()), m.i32x4.splat(code.get())),
        m.i32x4.eq(m.i32x4.extend_high_i16x8_s(c.get()), m.i32x4.splat(code.get())),
      ),
    );
  const codeAt = (row: Ex) => f.add(f.mul(row, f.i32(K)), k.get());
  // Row `row` (block row `at`): its code sum, and for DlsQuant in calls that correct, where its
  // lowest and highest codes are; eight i16 codes a step, the rest one by one.
  const rowSums = (row: Val, at: number): Ex[] => {
    const classifyEight = (): Ex[] => {
      if (!extremes) return [];
      return [
        f.if(fix.get(), [
          bits.set(lanesEqual(extremes.lo)),
          append(list(at, 0), nlo),
          bits.set(m.i32.and(lanesEqual(extremes.hi), m.i32.xor(lanesEqual(extremes.lo), f.i32(-1)))),
          append(list(at, 1), nhi),
        ]),
      ];
    };
    const classifyOne = (): Ex[] =>
      extremes
        ? [
            f.if(fix.get(), [
              ...classify(),
              f.if(isLo.get(), [
                f.store(list(at, 0), nlo.get(), f.mul(k.get(), f.i32(N))),
                nlo.set(f.add(nlo.get(), f.i32(1))),
              ]),
              f.if(isHi.get(), [
                f.store(list(at, 1), nhi.get(), f.mul(k.get(), f.i32(N))),
                nhi.set(f.add(nhi.get(), f.i32(1))),
              ]),
            ]),
          ]
        : [];
    const lane = (t: number) => m.i32x4.extract_lane(e0.get(), t);
    return [
      acc.set(f.i32(0)),
      ...(extremes ? [nlo.set(f.i32(0)), nhi.set(f.i32(0))] : []),
      ...(relaxed
        ? [k.set(f.i32(0))]
        : [
            e0.set(m.i32x4.splat(f.i32(0))),
            f.for(
              k,
              f.i32(0),
              () => f.i32(K - 7),
              [
                c.set(m.v128.load(0, 2, f.addr(codes, codeAt(row())))),
                e0.set(m.i32x4.add(e0.get(), m.i32x4.dot_i16x8_s(c.get(), m.i16x8.splat(f.i32(1))))),
                ...classifyEight(),
              ],
              8,
            ),
            acc.set(m.i32.add(m.i32.add(lane(0), lane(1)), m.i32.add(lane(2), lane(3)))),
          ]),
      f.for(k, k.get(), () => f.i32(K), [
        q.set(f.load(codes, codeAt(row()))),
        acc.set(m.i32.add(acc.get(), q.get())),
        ...classifyOne(),
      ]),
      sx(f.i32(at)).set(acc.get()),
      ...(extremes ? [loCount(f.i32(at)).set(nlo.get()), hiCount(f.i32(at)).set(nhi.get())] : []),
    ];
  };
  // For DlsQuant in calls that correct: each row's sums of the weights of columns j..j+width-1 met
  // by its lowest and highest codes, as i32 into extremeSums; summed in i16 where K weights fit.
  const narrow = K * weightBound(env) <= 32767;
  const extremeBlock = (rows: number, width: number): Ex[] => {
    if (!extremes) return [];
    const weights = () =>
      m.i16x8.extend_low_i8x16_s(
        (width === 8 ? m.v128.load64_zero : m.v128.load32_zero)(0, 1, f.add(pw.get(), f.load(list(0, 0), q.get()))),
      );
    const sum = (i: number, h: number): Ex[] => [
      e0.set(m.i32x4.splat(f.i32(0))),
      e1.set(m.i32x4.splat(f.i32(0))),
      pw.set(f.addr(wt, j.get())),
      count.set(f.add(f.i32(K * (2 * i + h)), (h ? hiCount : loCount)(f.i32(i)).get())),
      f.for(
        q,
        f.i32(K * (2 * i + h)),
        count.get,
        narrow
          ? [e0.set(m.i16x8.add(e0.get(), weights()))]
          : [
              c.set(weights()),
              e0.set(m.i32x4.add(e0.get(), m.i32x4.extend_low_i16x8_s(c.get()))),
              e1.set(m.i32x4.add(e1.get(), m.i32x4.extend_high_i16x8_s(c.get()))),
            ],
      ),
      ...(narrow ? [e1.set(m.i32x4.extend_high_i16x8_s(e0.get())), e0.set(m.i32x4.extend_low_i16x8_s(e0.get()))] : []),
      m.v128.store(0, 16, extremeSums(f.i32(i), h), e0.get()),
      m.v128.store(16, 16, extremeSums(f.i32(i), h), e1.get()),
    ];
    return [f.if(fix.get(), Array.from({ length: rows }, (_, i) => [0, 1].flatMap((h) => sum(i, h))).flat())];
  };
  // The block's outputs for columns j..j+width-1: one copy of the epilogue serves every row, its
  // width/2 pairs together.
  const outputs = (r: Local, rows: number, width: number): Ex[] => {
    const pairs = values.slice(0, width / 2);
    const fromI32 = (address: Ex) => m.f64x2.convert_low_i32x4_s(m.v128.load64_zero(0, 4, address));
    const extremeSum = (h: number, p: number) => fromI32(f.add(extremeSums(ii.get(), h), f.i32(8 * p)));
    return [
      ...sums
        .slice(0, rows)
        .flatMap((row, i) =>
          row.slice(0, width / 4).map((v, h) => m.v128.store(0, 16, f.addr(blockSums, f.i32(8 * i + 4 * h)), v.get())),
        ),
      ...extremeBlock(rows, width),
      f.for(ii, f.i32(0), () => f.i32(rows), [
        ...(bw ? [sxRow.set(m.f64x2.splat(m.f64.convert_s.i32(sx(ii.get()).get())))] : []),
        ...pairs.map((value, p) =>
          value.set(
            affineValue(
              f,
              true,
              vload(P1, p),
              fromI32(f.addr(blockSums, f.add(f.mul(ii.get(), f.i32(8)), f.i32(2 * p)))),
              vload(S3, p),
              bw && { p2: vload(P2, p), sx: sxRow.get(), t4: vload(T4, p) },
            ),
          ),
        ),
        ...(dls
          ? [
              f.if(
                m.f64.ne(dls.dlo.get(), f.f64(0)),
                pairs.map((value, p) =>
                  value.set(
                    correction(true, value.get(), dls.dlo, extremeSum(0, p), loCount(ii.get()).get(), (t) =>
                      vload(t, p),
                    ),
                  ),
                ),
              ),
              f.if(
                m.f64.ne(dls.dhi.get(), f.f64(0)),
                pairs.map((value, p) =>
                  value.set(
                    correction(true, value.get(), dls.dhi, extremeSum(1, p), hiCount(ii.get()).get(), (t) =>
                      vload(t, p),
                    ),
                  ),
                ),
              ),
            ]
          : []),
        ...o.finishPairs(pairs, j.get, () => f.add(f.mul(f.add(r.get(), ii.get()), f.i32(N)), j.get())),
      ]),
    ];
  };
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
        f.load(tables, table(S3, j.get())),
        bw && {
          p2: f.load(tables, table(P2, j.get())),
          sx: m.f64.convert_s.i32(sx(f.i32(at)).get()),
          t4: f.load(tables, table(T4, j.get())),
        },
      ),
    ),
    ...(dls
      ? [
          f.if(m.f64.ne(dls.dlo.get(), f.f64(0)), [
            v.set(
              correction(false, v.get(), dls.dlo, m.f64.convert_s.i32(swlo.get()), loCount(f.i32(at)).get(), (t) =>
                f.load(tables, table(t, j.get())),
              ),
            ),
          ]),
          f.if(m.f64.ne(dls.dhi.get(), f.f64(0)), [
            v.set(
              correction(false, v.get(), dls.dhi, m.f64.convert_s.i32(swhi.get()), hiCount(f.i32(at)).get(), (t) =>
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
    const step = (codeAt: (i: number) => Ex): Ex[] => [
      w0.set(m.v128.load(0, 16, pw.get())),
      ...(vectors === 2 ? [w1.set(m.v128.load(16 * PAIRS, 16, pw.get()))] : []),
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
      pw.set(f.add((pairTable as Arr).base(), f.mul(j.get(), f.i32(4 * PAIRS)))),
      pc.set(f.addr(codes, f.mul(r.get(), f.i32(K)))),
      end.set(f.add(pc.get(), f.i32(4 * (K >> 1)))),
      f.for(
        pc,
        pc.get(),
        end.get,
        [...step((i) => m.v128.load32_splat(i * rowBytes, 2, pc.get())), pw.set(f.add(pw.get(), f.i32(16)))],
        4,
      ),
      // An odd K's last code pairs with a zero, and its weights with zeros.
      ...(K % 2 ? step((i) => m.i32x4.splat(m.i32.load16_u(i * rowBytes, 2, pc.get()))) : []),
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
      // The row code sums feed the offset terms and the relaxed dot's unbiasing; the same pass finds
      // DlsQuant's extreme codes.
      ...(bw || relaxed || extremes ? each(rowSums) : []),
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

/**
 * The weight codes w [K, N] (i8) as the dot takes them, made once at prepare: for each group g of
 * four columns and pair p of rows, 8 i16 at (g * ceil(K / 2) + p) * 16 bytes, w[2p, 4g + c] and
 * w[2p + 1, 4g + c] side by side for c = 0..3 (a row past K gives zeros).
 */
function weightPairs(env: WasmKernelEnv, K: number, N: number): Arr {
  const P = Math.ceil(K / 2);
  const G = Math.floor(N / 4);
  return env.derived(`xw_weight_pairs_k${K}_n${N}`, 1, G * P * 16, "i16", (f, src, dst) => {
    const m = f.m;
    const [g, p, c, h] = Array.from({ length: 4 }, () => f.i32Local());
    const k = () => f.add(f.mul(p.get(), f.i32(2)), h.get());
    const at = () =>
      f.add(f.mul(f.add(f.mul(g.get(), f.i32(P)), p.get()), f.i32(8)), f.mul(c.get(), f.i32(2)), h.get());
    return [
      f.for(g, f.i32(0), () => f.i32(G), [
        f.for(p, f.i32(0), () => f.i32(P), [
          f.for(c, f.i32(0), () => f.i32(4), [
            f.for(h, f.i32(0), () => f.i32(2), [
              f.if(
                m.i32.lt_s(k(), f.i32(K)),
                [f.store(dst, at(), f.load(src, f.add(f.mul(k(), f.i32(N)), f.mul(g.get(), f.i32(4)), c.get())))],
                [f.store(dst, at(), f.i32(0))],
              ),
            ]),
          ]),
        ]),
      ]),
    ];
  });
}
