import type { Ex } from "../../binaryen.js";
import type { Arr, Local, Val } from "../../dsl.js";
import type { WasmKernelEnv } from "../types.js";
import type { ActivationQuant } from "./activation-quant.js";
import { affineValue, channelTerms, codeBound, i16Steps, stretches, WideSums, weightBound } from "./wide-sums.js";

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
  /** Room for L i32 column sums of the codes. */
  readonly sx: Arr;
  readonly aw: (c: Ex) => Ex;
  readonly bw: (c: Ex) => Ex;
  /** Stores the f64 value `v` of output row `mm` at element `index`. */
  readonly finish: (v: Local, mm: Local, index: Ex) => Ex[];
}

/**
 * Y = W @ X with SIMD for an affine activation quantizer (ActQuant, QuantizeLinear): every sum over
 * K counts (no padding), so per row of W the weight-code sum and the count are constants and only
 * the products and the column's code sum vary. Eight neighbouring columns are summed per step from
 * one contiguous load of codes and a splat weight (WideSums); the column code sums are computed once
 * per batch for all rows. The remainder columns run the same arithmetic one by one.
 */
export function wxColumns(env: WasmKernelEnv, o: WxColumns): (b: WxBatch) => Ex[] {
  const f = env.fn;
  const m = f.m;
  const { quant, M, K, L, codes, wt, sx } = o;
  if (quant.mode === "dls") throw env.error("wxColumns needs an affine activation quantizer");
  const steps = i16Steps(codeBound(quant) * weightBound(env));
  const [mm, l, k, sw, acc] = Array.from({ length: 5 }, () => f.i32Local());
  const [p1, p2, s3, t4] = Array.from({ length: 4 }, () => f.f64Local());
  const [vp1, vp2, vs3, vt4, vv, colSums] = Array.from({ length: 6 }, () => f.local(f.b.v128));
  const v = f.f64Local();
  const sums = new WideSums(f);
  const lastBlock = (n: number) => () => m.i32.sub(L(), f.i32(n - 1));
  return (b) => {
    const codeAt = (kk: Ex, ll: Ex) => f.add(b.xBase(), f.mul(kk, L()), ll);
    const weightAt = () => f.add(f.mul(mm.get(), f.i32(K)), k.get(), f.i32(b.wBase));
    const terms = channelTerms(
      f,
      quant,
      () => o.aw(mm.get()),
      () => o.bw(mm.get()),
      sw.get,
      () => f.i32(K),
    );
    const pair = (p: number): Ex[] => [
      vv.set(
        affineValue(
          f,
          true,
          vp1.get(),
          sums.pair(p),
          vp2.get(),
          m.f64x2.convert_low_i32x4_s(m.v128.load64_zero(0, 4, f.addr(sx, f.add(l.get(), f.i32(2 * p))))),
          vs3.get(),
          vt4.get(),
        ),
      ),
      ...[0, 1].flatMap((i) => [
        v.set(m.f64x2.extract_lane(vv.get(), i)),
        ...o.finish(v, mm, f.add(b.yRow(mm.get()), l.get(), f.i32(2 * p + i))),
      ]),
    ];
    return [
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
      f.for(mm, f.i32(0), () => f.i32(M), [
        sw.set(f.i32(0)),
        f.for(k, f.i32(0), () => f.i32(K), [sw.set(m.i32.add(sw.get(), f.load(wt, weightAt())))]),
        p1.set(terms.p1),
        p2.set(terms.p2),
        s3.set(terms.s3),
        t4.set(terms.t4),
        ...[
          [vp1, p1],
          [vp2, p2],
          [vs3, s3],
          [vt4, t4],
        ].map(([vec, s]) => vec.set(m.f64x2.splat(s.get()))),
        f.for(
          l,
          f.i32(0),
          lastBlock(8),
          [
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
          ],
          8,
        ),
        f.for(l, l.get(), L, [
          acc.set(f.i32(0)),
          f.for(k, f.i32(0), () => f.i32(K), [
            acc.set(m.i32.add(acc.get(), m.i32.mul(f.load(wt, weightAt()), f.load(codes, codeAt(k.get(), l.get()))))),
          ]),
          v.set(
            affineValue(
              f,
              false,
              p1.get(),
              m.f64.convert_s.i32(acc.get()),
              p2.get(),
              m.f64.convert_s.i32(f.load(sx, l.get())),
              s3.get(),
              t4.get(),
            ),
          ),
          ...o.finish(v, mm, f.add(b.yRow(mm.get()), l.get())),
        ]),
      ]),
    ];
  };
}
