import type { SymDim } from "../../../../compiler/plan/kernel-plan.js";
import { addDim, ONE } from "../../../shared/sym.js";
import type { Ex } from "../../binaryen.js";
import type { Arr, Local, Val } from "../../dsl.js";
import type { WasmKernelEnv } from "../types.js";
import type { ActivationQuant } from "./activation-quant.js";
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
  /** How many codes `codes` holds: the column sums and row terms follow them (see wxScratch). */
  readonly codeCount: Val;
  readonly aw: (c: Ex) => Ex;
  readonly bw: (c: Ex) => Ex;
  /** Stores the f64 value `v` of output row `mm` at element `index`. */
  readonly finish: (v: Local, mm: Local, index: Ex) => Ex[];
  /** Stores the f64x2 values `v` of output row `mm` at elements `index`, `index` + 1. */
  readonly finishPair: (v: Local, mm: Local, index: Val) => Ex[];
}

/**
 * Y = W @ X with SIMD for an affine activation quantizer (ActQuant, QuantizeLinear): every sum over
 * K counts (no padding), so per row of W the weight-code sum and the count are constants and only
 * the products and the column's code sum vary. Eight neighbouring columns are summed per step from
 * one contiguous load of codes and a splat weight (WideSums), for every row of W before the next
 * block (the block's codes stay in cache); the column code sums are computed once per batch for all
 * rows, the rows' epilogue terms once per weight matrix. The remainder columns run the same
 * arithmetic one by one.
 */
/**
 * The scratch wxColumns needs, in 8-byte units: the codes take 2 bytes each of their 8, so the L i32
 * column sums (L <= the code count) and then the 4 * M f64 row terms fit behind them, each 16-byte
 * aligned.
 */
export function wxScratch(codes: SymDim, M: number): SymDim {
  return addDim(codes, ONE, 4 * M + 8);
}

export function wxColumns(env: WasmKernelEnv, o: WxColumns): { setup: Ex[]; batch: (b: WxBatch) => Ex[] } {
  const f = env.fn;
  const m = f.m;
  const { quant, M, K, L, codes, wt } = o;
  const [sxAt, termsAt] = [f.i32Local(), f.i32Local()];
  const sx: Arr = { elem: "i32", base: sxAt.get };
  const termTable: Arr = { elem: "f64", base: termsAt.get };
  const setup = [
    sxAt.set(alignedAfter(f, codes.base(), m.i32.shl(o.codeCount(), f.i32(1)))),
    termsAt.set(alignedAfter(f, sxAt.get(), m.i32.shl(L(), f.i32(2)))),
  ];
  if (quant.mode === "dls") throw env.error("wxColumns needs an affine activation quantizer");
  const steps = i16Steps(codeBound(quant) * weightBound(env));
  const [mm, l, k, sw, acc] = Array.from({ length: 5 }, () => f.i32Local());
  const [vv, colSums] = Array.from({ length: 2 }, () => f.local(f.b.v128));
  const v = f.f64Local();
  const sums = new WideSums(f);
  const lastBlock = (n: number) => () => m.i32.sub(L(), f.i32(n - 1));
  // Row mm's epilogue terms at terms[4 * mm + t]: (qa*aw), (qa*bw), (qb*aw)*sw, (K*qb)*bw.
  const term = (t: number) => f.add(f.mul(mm.get(), f.i32(4)), f.i32(t));
  const splatTerm = (t: number) => m.v128.load64_splat(0, 8, f.addr(termTable, term(t)));
  const termSetup = (b: WxBatch): Ex => {
    const terms = channelTerms(
      f,
      quant,
      () => o.aw(mm.get()),
      () => o.bw(mm.get()),
      sw.get,
      () => f.i32(K),
    );
    return f.for(mm, f.i32(0), () => f.i32(M), [
      sw.set(f.i32(0)),
      f.for(k, f.i32(0), () => f.i32(K), [
        sw.set(m.i32.add(sw.get(), f.load(wt, f.add(f.mul(mm.get(), f.i32(K)), k.get(), f.i32(b.wBase))))),
      ]),
      ...[terms.p1, terms.p2, terms.s3, terms.t4].map((e, t) => f.store(termTable, term(t), e)),
    ]);
  };
  let lastBase: number | undefined;
  const batch = (b: WxBatch): Ex[] => {
    const codeAt = (kk: Ex, ll: Ex) => f.add(b.xBase(), f.mul(kk, L()), ll);
    const weightAt = () => f.add(f.mul(mm.get(), f.i32(K)), k.get(), f.i32(b.wBase));
    const pair = (p: number): Ex[] => [
      vv.set(
        affineValue(
          f,
          true,
          splatTerm(0),
          sums.pair(p),
          splatTerm(1),
          m.f64x2.convert_low_i32x4_s(m.v128.load64_zero(0, 4, f.addr(sx, f.add(l.get(), f.i32(2 * p))))),
          splatTerm(2),
          splatTerm(3),
        ),
      ),
      ...o.finishPair(vv, mm, () => f.add(b.yRow(mm.get()), l.get(), f.i32(2 * p))),
    ];
    // The terms change only with the weights: batches that share them (a broadcast W) share the terms.
    const rowTerms = b.wBase === lastBase ? [] : [termSetup(b)];
    lastBase = b.wBase;
    return [
      ...rowTerms,
      // Column sums of the codes, four columns per step, then the remainder.
      f.for(
        l,
        f.i32(0),
        lastBlock(4),
        [
          colSums.set(m.v128.const(new Array(16).fill(0))),
          f.for(k, f.i32(0), () => f.i32(K), [
            colSums.set(m.i32x4.add(colSums.get(), m.v128.load16x4_s(0, 2, f.addr(codes, codeAt(k.get(), l.get()))))),
          ]),
          m.v128.store(0, 4, f.addr(sx, l.get()), colSums.get()),
        ],
        4,
      ),
      f.for(l, l.get(), L, [
        acc.set(f.i32(0)),
        f.for(k, f.i32(0), () => f.i32(K), [acc.set(m.i32.add(acc.get(), f.load(codes, codeAt(k.get(), l.get()))))]),
        f.store(sx, l.get(), acc.get()),
      ]),
      // Eight columns at a time for every row of W: the block's codes stay in cache across the rows.
      f.for(
        l,
        f.i32(0),
        lastBlock(8),
        [
          f.for(mm, f.i32(0), () => f.i32(M), [
            ...sums.reset(),
            ...stretches(
              f,
              k,
              K,
              steps,
              [
                sums.add(
                  m.i16x8.mul(
                    m.i16x8.splat(f.load(wt, weightAt())),
                    m.v128.load(0, 2, f.addr(codes, codeAt(k.get(), l.get()))),
                  ),
                ),
              ],
              () => sums.widen(),
            ),
            ...[0, 1, 2, 3].flatMap(pair),
          ]),
        ],
        8,
      ),
      f.for(l, l.get(), L, [
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
              f.load(termTable, term(1)),
              m.f64.convert_s.i32(f.load(sx, l.get())),
              f.load(termTable, term(2)),
              f.load(termTable, term(3)),
            ),
          ),
          ...o.finish(v, mm, f.add(b.yRow(mm.get()), l.get())),
        ]),
      ]),
    ];
  };
  return { setup, batch };
}
