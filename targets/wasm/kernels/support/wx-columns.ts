import type { SymDim } from "../../../../compiler/plan/kernel-plan.js";
import { addDim, ONE } from "../../../shared/sym.js";
import type { Ex } from "../../binaryen.js";
import type { Arr, Local, Val } from "../../dsl.js";
import type { WasmKernelEnv } from "../types.js";
import type { ActivationQuant } from "./activation-quant.js";
import { affineValue, alignedAfter, channelTerms, i32PairToF64 } from "./wide-sums.js";

/** Rows of W summed together per block: each pair of code vectors serves this many rows. */
const ROWS = 4;

/**
 * Code pairs per tile of columns: the rows of W pass over a tile's pairs while they are in cache.
 * Over every column at once, srcnn's 1x1 conv (64 channels of 768x768) streamed 75 MB of pairs from
 * memory eight times (60 -> 52 ms CPU; tiles of 8 to 512 KiB all measured within 2%).
 */
const TILE_BYTES = 32768;

/** One product Y = W @ X of a batch: where its activation codes, weights and output rows start. */
export interface WxBatch {
  /** Element offset of the codes [K, L] in `codes`. */
  readonly xBase: Val;
  /** Element offset of the weights [M, K] in `wt`. */
  readonly wBase: number;
  /** Element index in the output of row `mm`'s first column. */
  readonly yRow: (mm: Ex) => Ex;
}

export interface WxColumns {
  readonly quant: ActivationQuant;
  readonly M: number;
  readonly K: number;
  readonly L: Val;
  /** Activation codes, one i16 each. */
  readonly codes: Arr;
  readonly wt: Arr;
  /** How many weight codes `wt` holds (input 1 of the kernel). */
  readonly weightCount: number;
  /** How many codes `codes` holds: the column sums and row terms follow them (see wxScratch). */
  readonly codeCount: Val;
  readonly aw: (c: Ex) => Ex;
  /** The weight offsets; none where the weights are symmetric (weightParams). */
  readonly bw?: (c: Ex) => Ex;
  /** Stores the f64 value `v` of output row `mm` at element `index`. */
  readonly finish: (v: Local, mm: Local, index: Ex) => Ex[];
  /** Stores the f64x2 values `vs[i]` of output row `mm` at elements `index` + 2i, `index` + 2i + 1. */
  readonly finishPairs: (vs: readonly Local[], mm: Local, index: Val) => Ex[];
}

/**
 * The scratch wxColumns needs, in 8-byte units: the codes take 2 bytes each of their 8, and behind
 * them, each 16-byte aligned, go the L i32 column sums, the 4 * M f64 row terms, a block's 32 i32
 * sums and the code pairs of a tile's blocks, 4 * ceil(K / 2) bytes per column: with K >= 2 codes
 * per column that is within the 6 bytes per code left (the sums take 4 per column, the pairs at most
 * 3 per code), with K = 1 the codes' size more. (A tile's pairs need less than all columns' do: room
 * this size leaves unused.)
 */
export function wxScratch(codes: SymDim, M: number, K: number): SymDim {
  return addDim(K < 2 ? addDim(codes, codes) : codes, ONE, 4 * M + 28);
}

/**
 * Y = W @ X with SIMD for an affine activation quantizer (ActQuant, QuantizeLinear): every sum over
 * K counts (no padding), so per row of W the weight-code sum and the count are constants and only
 * the products and the column's code sum vary. Per block of eight columns, code rows k and k+1 are
 * interleaved once into a contiguous run of pairs (their column sums on the way), every block's of a
 * tile of columns (TILE_BYTES of pairs) before any of its outputs; then, four rows of W at a time
 * over the tile's blocks (so each output row's stretch is written front to back, not eight columns
 * of every row per block), i32x4.dot_i16x8_s sums two
 * products per lane straight into i32, each pair of code vectors multiplied by every row's splat
 * weight pair. The rows' epilogue terms are computed once per weight matrix. The remainder columns
 * run the same arithmetic one by one.
 */

export function wxColumns(env: WasmKernelEnv, o: WxColumns): { setup: Ex[]; batch: (b: WxBatch) => Ex[] } {
  const f = env.fn;
  const m = f.m;
  const { quant, M, K, L, codes, wt } = o;
  // The weight codes widened to i16 once, at prepare: a splat pair then needs no widening per use.
  const wt16 = env.derived(`i16_weights_${o.weightCount}`, 1, 2 * o.weightCount, "i16", (g, src, dst) => {
    const i = g.i32Local();
    return [g.for(i, g.i32(0), () => g.i32(o.weightCount), [g.store(dst, i.get(), g.load(src, i.get()))])];
  });
  // Bytes of a block's code pairs.
  const blockBytes = 32 * Math.ceil(K / 2);
  const [sxAt, termsAt, pairsAt, sumsAt] = [f.i32Local(), f.i32Local(), f.i32Local(), f.i32Local()];
  const blockSums: Arr = { elem: "i32", base: sumsAt.get };
  const sx: Arr = { elem: "i32", base: sxAt.get };
  const termTable: Arr = { elem: "f64", base: termsAt.get };
  const setup = [
    sxAt.set(alignedAfter(f, codes.base(), m.i32.shl(o.codeCount(), f.i32(1)))),
    termsAt.set(alignedAfter(f, sxAt.get(), m.i32.shl(L(), f.i32(2)))),
    sumsAt.set(alignedAfter(f, termsAt.get(), f.i32(32 * M))),
    pairsAt.set(f.add(sumsAt.get(), f.i32(32 * 4))),
  ];
  if (quant.mode === "dls") throw env.error("wxColumns needs an affine activation quantizer");
  const [mm, l, k, sw, acc, row, pc, pw, end, rowBytes, tail, lt, lend] = Array.from({ length: 13 }, () =>
    f.i32Local(),
  );
  const tileColumns = 8 * Math.max(1, Math.floor(TILE_BYTES / blockBytes));
  const [colSums, c0, c1, wv, p1, p2, s3, t4] = Array.from({ length: 8 }, () => f.local(f.b.v128));
  // The block's column code sums (f64x2, two columns each) and a row's four output pairs.
  const sxPairs = Array.from({ length: 4 }, () => f.local(f.b.v128));
  const values = Array.from({ length: 4 }, () => f.local(f.b.v128));
  const sums = Array.from({ length: ROWS }, () => [f.local(f.b.v128), f.local(f.b.v128)]);
  const v = f.f64Local();
  // Row mm's epilogue terms at terms[4 * mm + t]: (qa*aw), (qa*bw), (qb*aw)*sw, (K*qb)*bw (the terms in
  // bw only where the weights are not symmetric).
  const term = (t: number) => f.add(f.mul(mm.get(), f.i32(4)), f.i32(t));
  const blockTerm = (t: number) => f.add(f.mul(row.get(), f.i32(4)), f.i32(t));
  const splatTerm = (t: number) => m.v128.load64_splat(0, 8, f.addr(termTable, blockTerm(t)));
  const rowSums = (h: number) =>
    m.v128.load(16 * h, 16, f.addr(blockSums, f.mul(m.i32.sub(row.get(), mm.get()), f.i32(8))));
  const bw = o.bw;
  const termSetup = (b: WxBatch): Ex => {
    const terms = channelTerms(
      f,
      quant,
      () => o.aw(mm.get()),
      bw && (() => bw(mm.get())),
      sw.get,
      () => f.i32(K),
    );
    return f.for(mm, f.i32(0), () => f.i32(M), [
      sw.set(f.i32(0)),
      f.for(k, f.i32(0), () => f.i32(K), [
        sw.set(m.i32.add(sw.get(), f.load(wt, f.add(f.mul(mm.get(), f.i32(K)), k.get(), f.i32(b.wBase))))),
      ]),
      f.store(termTable, term(0), terms.p1),
      f.store(termTable, term(2), terms.s3),
      ...(terms.offsets
        ? [f.store(termTable, term(1), terms.offsets.p2), f.store(termTable, term(3), terms.offsets.t4)]
        : []),
    ]);
  };
  // The i32 sums of `rows` rows of W from mm for columns l..l+7, by pairs of K: i32x4.dot_i16x8_s
  // multiplies the gathered codes k and k+1 of four columns by a splat weight pair, and each pair of
  // code vectors serves all the block's rows.
  const rowBlock = (b: WxBatch, rows: number): Ex[] => {
    const step = (pairs: (half: number) => Ex, weights: (i: number) => Ex): Ex[] => [
      c0.set(pairs(0)),
      c1.set(pairs(1)),
      ...Array.from({ length: rows }, (_, i) => [
        wv.set(weights(i)),
        ...[c0, c1].map((c, h) =>
          sums[i][h].set(m.i32x4.add(sums[i][h].get(), m.i32x4.dot_i16x8_s(c.get(), wv.get()))),
        ),
      ]).flat(),
    ];
    // The eight outputs of W's row `row` from the stored sums, with the row's terms splat once.
    const outputs: Ex[] = [
      p1.set(splatTerm(0)),
      s3.set(splatTerm(2)),
      ...(bw ? [p2.set(splatTerm(1)), t4.set(splatTerm(3))] : []),
      c0.set(rowSums(0)),
      c1.set(rowSums(1)),
      ...values.map((value, p) =>
        value.set(
          affineValue(
            f,
            true,
            p1.get(),
            i32PairToF64(f, p < 2 ? c0 : c1, p & 1),
            s3.get(),
            bw && { p2: p2.get(), sx: sxPairs[p].get(), t4: t4.get() },
          ),
        ),
      ),
      ...o.finishPairs(values, row, () => f.add(b.yRow(row.get()), l.get())),
    ];
    return [
      ...sums
        .slice(0, rows)
        .flat()
        .map((s) => s.set(m.i32x4.splat(f.i32(0)))),
      ...(bw
        ? [
            colSums.set(m.v128.load(0, 16, f.addr(sx, l.get()))),
            wv.set(m.v128.load(16, 16, f.addr(sx, l.get()))),
            ...sxPairs.map((pair, p) => pair.set(i32PairToF64(f, p < 2 ? colSums : wv, p & 1))),
          ]
        : []),
      pc.set(f.add(pairsAt.get(), f.mul(m.i32.sub(l.get(), lt.get()), f.i32(blockBytes / 8)))),
      pw.set(f.addr(wt16, f.add(f.mul(mm.get(), f.i32(K)), f.i32(b.wBase)))),
      end.set(f.add(pw.get(), f.i32(4 * (K >> 1)))),
      f.for(
        pw,
        pw.get(),
        end.get,
        [
          ...step(
            (half) => m.v128.load(16 * half, 16, pc.get()),
            (i) => m.v128.load32_splat(2 * i * K, 2, pw.get()),
          ),
          pc.set(f.add(pc.get(), f.i32(32))),
        ],
        4,
      ),
      // An odd K's last codes pair with zeros, which make the other weight vanish.
      ...(K % 2
        ? step(
            (half) => m.v128.load(16 * half, 16, pc.get()),
            (i) => m.v128.load16_splat(2 * i * K, 2, pw.get()),
          )
        : []),
      // One copy of the epilogue serves every row and pair of the block.
      ...sums
        .slice(0, rows)
        .flatMap((r, i) => r.map((v, h) => m.v128.store(0, 16, f.addr(blockSums, f.i32(8 * i + 4 * h)), v.get()))),
      f.for(row, mm.get(), () => f.add(mm.get(), f.i32(rows)), outputs),
    ];
  };
  // Codes k and k+1 of columns l..l+7, interleaved into pairs (the last of an odd K with zeros), for
  // K/2 steps of 32 contiguous bytes: the block's rows then read them without the cache conflicts of
  // K code rows whose stride is a large power of two. Their pair sums are the column code sums.
  const gather = (b: WxBatch): Ex[] => {
    const low = [0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23];
    const zip = (a: Ex, z: Ex, half: number) =>
      m.i8x16.shuffle(
        a,
        z,
        low.map((i) => i + 8 * half),
      );
    const ones = m.i16x8.splat(f.i32(1));
    const step = (second: Ex): Ex[] => [
      c0.set(m.v128.load(0, 2, pc.get())),
      wv.set(second),
      ...[0, 1].flatMap((half) => [
        colSums.set(zip(c0.get(), wv.get(), half)),
        m.v128.store(16 * half, 16, pw.get(), colSums.get()),
        ...(bw ? [sums[0][half].set(m.i32x4.add(sums[0][half].get(), m.i32x4.dot_i16x8_s(colSums.get(), ones)))] : []),
      ]),
    ];
    return [
      ...sums[0].map((s) => s.set(m.i32x4.splat(f.i32(0)))),
      pc.set(f.addr(codes, f.add(b.xBase(), l.get()))),
      pw.set(f.add(pairsAt.get(), f.mul(m.i32.sub(l.get(), lt.get()), f.i32(blockBytes / 8)))),
      end.set(f.add(pw.get(), f.i32(32 * (K >> 1)))),
      f.for(
        pw,
        pw.get(),
        end.get,
        [
          ...step(m.v128.load(0, 2, f.add(pc.get(), rowBytes.get()))),
          pc.set(f.add(pc.get(), m.i32.shl(rowBytes.get(), f.i32(1)))),
        ],
        32,
      ),
      ...(K % 2 ? step(m.v128.const(new Array(16).fill(0))) : []),
      ...(bw ? [0, 1].map((half) => m.v128.store(16 * half, 16, f.addr(sx, l.get()), sums[0][half].get())) : []),
    ];
  };
  let lastBase: number | undefined;
  const batch = (b: WxBatch): Ex[] => {
    const codeAt = (kk: Ex, ll: Ex) => f.add(b.xBase(), f.mul(kk, L()), ll);
    const weightAt = () => f.add(f.mul(mm.get(), f.i32(K)), k.get(), f.i32(b.wBase));
    // The terms change only with the weights: batches that share them (a broadcast W) share the terms.
    const rowTerms = b.wBase === lastBase ? [] : [termSetup(b)];
    lastBase = b.wBase;
    return [
      ...rowTerms,
      // Per tile, the code pairs of its blocks of eight columns, then four rows of W at a time over
      // them, so that each output row's stretch is written front to back.
      rowBytes.set(m.i32.shl(L(), f.i32(1))),
      tail.set(m.i32.and(L(), f.i32(-8))),
      f.for(
        lt,
        f.i32(0),
        tail.get,
        [
          lend.set(
            m.select(
              m.i32.lt_s(f.add(lt.get(), f.i32(tileColumns)), tail.get()),
              f.add(lt.get(), f.i32(tileColumns)),
              tail.get(),
            ),
          ),
          f.for(l, lt.get(), lend.get, gather(b), 8),
          f.for(mm, f.i32(0), () => f.i32(M - 3), [f.for(l, lt.get(), lend.get, rowBlock(b, ROWS), 8)], ROWS),
          // The last M mod 4 rows as one block (mm stops at M - M mod 4).
          ...(M % ROWS ? [f.for(l, lt.get(), lend.get, rowBlock(b, M % ROWS), 8)] : []),
        ],
        tileColumns,
      ),
      // The remainder columns: their code sums (for the offset terms), then their outputs.
      ...(bw
        ? [
            f.for(l, tail.get(), L, [
              acc.set(f.i32(0)),
              f.for(k, f.i32(0), () => f.i32(K), [
                acc.set(m.i32.add(acc.get(), f.load(codes, codeAt(k.get(), l.get())))),
              ]),
              f.store(sx, l.get(), acc.get()),
            ]),
          ]
        : []),
      f.for(l, tail.get(), L, [
        f.for(mm, f.i32(0), () => f.i32(M), [
          acc.set(f.i32(0)),
          f.for(k, f.i32(0), () => f.i32(K), [
            acc.set(m.i32.add(acc.get(), m.i32.mul(f.load(wt, weightAt()), f.load(codes, codeAt(k.get(), l.get()))))),
          ]),
          v.set(
            affineValue(
              f,
              false,
              f.load(termTable, term(0)),
              m.f64.convert_s.i32(acc.get()),
              f.load(termTable, term(2)),
              bw && {
                p2: f.load(termTable, term(1)),
                sx: m.f64.convert_s.i32(f.load(sx, l.get())),
                t4: f.load(termTable, term(3)),
              },
            ),
          ),
          ...o.finish(v, mm, f.add(b.yRow(mm.get()), l.get())),
        ]),
      ]),
    ];
  };
  return { setup, batch };
}
