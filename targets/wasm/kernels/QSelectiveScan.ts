import type { Ex } from "../binaryen.js";
import type { Arr, Local, Val } from "../dsl.js";
import { activationQuant, dlsQuantizer } from "./support/activation-quant.js";
import { codeToI32 } from "./support/integer-epilogue.js";
import { lanes32 } from "./support/lanes.js";
import { scanOperands } from "./support/scan-operands.js";
import { QuadTranspose } from "./support/tiles.js";
import type { WasmKernelEnv, WasmKernelGenerator } from "./types.js";

/**
 * The SS2D selective scan with its delta quantizer inside (qmc.QSelectiveScan), as the js target
 * runs it: DlsQuant leaves delta at most 2^bits values per inference, so per channel the kernel
 * tabulates dt = softplus(value(q) + delta_bias) and exp(dt * A[d, n]) for every code once (with the
 * module's fdlibm exp, bit-identical to the js target's), and the scan does no exp at all. Every
 * operation is the float32 one of compiler/ops/support/ss2d.ts, in its order: bit-identical results.
 * With SIMD, four channels of a direction run side by side in the lanes of f32x4 (the last E mod 4
 * channels run as on mvp, one at a time in scalar f32). Where u_w is given, u arrives raw and the
 * kernel DlsQuant-s it as it reads it (statistics first, then each element's value as the DlsQuant
 * kernel computes it, f32x4 in the record pass), so no quantized copy of u is written and reread.
 * With merge = 1 the directions run in CrossMerge's order 0, 2, 1, 3 and each step's y goes to its
 * row-major position in the merged (B, L, E) output, the first direction storing it and the others
 * adding it (((y0 + y2) + y1) + y3): with SIMD one v128 for the four channels' adjacent elements.
 */
const qscan: WasmKernelGenerator = (env) => {
  const { batch: B, GE, G, N, E, us, bs, softplus, u, delta, A, Bm, Cm, D, bias, y, L } = scanOperands(env);
  const n = env.count(us);
  const bits = env.int("delta_bits");
  const levels = 2 ** bits;
  const f = env.fn;
  const m = f.m;
  const f32 = (v: number) => m.f32.const(v);
  const quant = activationQuant(env, delta, n, "delta");
  const value = quant.value;
  if (!value) throw env.error("the scan's delta quantizer must be DlsQuant");
  const code4 = env.isa !== "mvp" && E >= 4 ? quant.code4 : undefined;
  const uQuant = "u_w" in env.kernel.params ? activationQuant(env, u, n, "u") : undefined;
  if (uQuant && !uQuant.dls) throw env.error("the scan's u quantizer must be DlsQuant");
  const uDls = uQuant?.dls ? dlsQuantizer(f, uQuant.dls) : undefined;
  // u's element at byte address `at`, as stored, or quantized: f32, and f32x4 for four.
  const uAt = (at: Ex) => (uDls ? m.f32.demote(uDls.one(m.f64.promote(m.f32.load(0, 4, at)))) : m.f32.load(0, 4, at));
  const uAt4 = (at: Ex) => (uDls ? uDls.four(m.v128.load(0, 4, at)) : m.v128.load(0, 4, at));
  // B and C quantized inside (b_w, c_w): each element is read by every channel of its direction, so
  // a pass per direction writes them quantized to the scratch (see copyBC) and the scan reads that.
  const nbc = ["b_w", "c_w"].some((p) => p in env.kernel.params) ? env.count(bs) : undefined;
  const [bDls, cDls] = (["b", "c"] as const).map((p, i) => {
    if (!(`${p}_w` in env.kernel.params) || !nbc) return undefined;
    const q = activationQuant(env, i ? Cm : Bm, nbc, p);
    if (!q.dls) throw env.error(`the scan's ${p === "b" ? "B" : "C"} quantizer must be DlsQuant`);
    return { setup: q.setup, ...dlsQuantizer(f, q.dls) };
  });
  const copied = bDls !== undefined || cDls !== undefined;
  const quads = code4 !== undefined;
  // Scratch in float32 elements. Per code q a row of R: dt, then exp(dt * A[d, s]) per state. A
  // channel run alone keeps its rows at 0 and its state at TAB; the four-channel scan keeps four
  // channels' rows, D of the four, a slot for the stores that only order V8's schedule, the range
  // of codes each channel meets, with at most 16 codes the pair rows (see quadScan), the direction's
  // B and C splatted (four copies of each per (t, state)), and per step a record of the four
  // channels' row addresses and u values.
  const R = N + 1;
  const TAB = levels * R;
  const DV = 4 * TAB;
  const SINK = DV + 4;
  // The lowest and highest code (from qn) each of the four channels meets, as i32.
  const RANGE = SINK + 4;
  const PAIRS = RANGE + 8;
  const pairs = levels <= 16;
  // A pair row: positions 0 to R - 1 of two channels' code rows (R rounded up to a multiple of
  // four), interleaved: (first, second) per position, two positions per v128.
  const PR = 8 * Math.ceil(R / 4);
  const BCT = PAIRS + (pairs ? 2 * levels * levels * PR : 0);
  const Ld = us[2];
  // The direction's B and C copies: with quads at BCT, four copies of each per (t, state) (eight
  // float32 elements a step of `bcStep`); else, where copied, one of each past the state.
  const bcStep = quads ? 8 : 2;
  const COPY = quads ? BCT : 2 * Math.ceil((TAB + N) / 2);
  // env.scratch counts 8-byte elements: four per (t, state) for B and C, four per step for its
  // record, and half the rest rounded up; one per (t, state) for the copies of a channel run alone.
  const per = quads ? 4 * N + 4 : copied ? N : 0;
  const tab = env.scratch({ c: COPY / 2 + per * Ld.c, h: per * Ld.h, w: per * Ld.w, hw: per * Ld.hw }, "f32");
  const [b, d, k, s, t, q, row, bc, at] = Array.from({ length: 9 }, () => f.i32Local());
  const [raw, dtv, xv, acc, h0] = Array.from({ length: 5 }, () => f.local(f.b.f32));
  const code = f.f64Local();
  const merged = env.int("merge", 0) !== 0 ? mergedOutput(env, y, b, E, L) : undefined;
  const exp32 = (v: Ex) => m.f32.demote(env.math("qexp", m.f64.promote(v)));
  const dt = () =>
    softplus
      ? m.select(
          m.f32.gt(raw.get(), f32(20)),
          raw.get(),
          m.f32.demote(env.math("qlog1p", env.math("qexp", m.f64.promote(raw.get())))),
        )
      : raw.get();
  // Channel `ch`'s rows at `base` for the codes qn + from to qn + to - 1 (all by default): raw =
  // value(q) + delta_bias as float32 (both operands are float32, so the f64 sum rounded once is the
  // f32 sum), dt, then exp(f32(dt * A)) rounded once.
  const tables = (ch: () => Ex, base: () => Ex, from: Ex = f.i32(0), to: Val = () => f.i32(levels)): Ex =>
    f.for(k, from, to, [
      raw.set(
        m.f32.demote(
          bias
            ? m.f64.add(value(m.f64.convert_s.i32(f.add(k.get(), f.i32(quant.qn)))), f.loadF(bias, ch()))
            : value(m.f64.convert_s.i32(f.add(k.get(), f.i32(quant.qn)))),
        ),
      ),
      dtv.set(dt()),
      f.store(tab, f.add(f.mul(k.get(), f.i32(R)), base()), dtv.get()),
      f.for(s, f.i32(0), () => f.i32(N), [
        f.store(
          tab,
          f.add(f.mul(k.get(), f.i32(R)), s.get(), base(), f.i32(1)),
          exp32(m.f32.mul(dtv.get(), f.load(A, f.add(f.mul(ch(), f.i32(N)), s.get())))),
        ),
      ]),
    ]);
  // Channel d alone (b set), in scalar f32: the js target's loop operation for operation.
  const channel = (): Ex[] => [
    row.set(m.i32.mul(f.add(f.mul(b.get(), f.i32(GE)), d.get()), L())),
    bc.set(m.i32.mul(f.add(f.mul(b.get(), f.i32(G)), m.i32.div_s(d.get(), f.i32(E))), f.mul(L(), f.i32(N)))),
    tables(d.get, () => f.i32(0)),
    ...(merged
      ? merged.start(
          () => m.i32.div_s(d.get(), f.i32(E)),
          () => m.i32.rem_s(d.get(), f.i32(E)),
        )
      : []),
    f.for(s, f.i32(0), () => f.i32(N), [f.store(tab, f.add(s.get(), f.i32(TAB)), f32(0))]),
    f.for(t, f.i32(0), L, [
      code.set(m.f64.sub(quant.code(f.loadF(delta, f.add(row.get(), t.get()))), f.f64(quant.qn))),
      q.set(f.mul(codeToI32(f, code), f.i32(R))),
      dtv.set(f.load(tab, q.get())),
      xv.set(uAt(f.addr(u, f.add(row.get(), t.get())))),
      acc.set(f32(0)),
      f.for(s, f.i32(0), () => f.i32(N), [
        at.set(
          copied
            ? f.add(f.mul(f.add(f.mul(t.get(), f.i32(N)), s.get()), f.i32(bcStep)), f.i32(COPY))
            : f.add(bc.get(), m.i32.mul(s.get(), L()), t.get()),
        ),
        h0.set(
          m.f32.add(
            m.f32.mul(f.load(tab, f.add(q.get(), s.get(), f.i32(1))), f.load(tab, f.add(s.get(), f.i32(TAB)))),
            m.f32.mul(m.f32.mul(dtv.get(), copied ? f.load(tab, at.get()) : f.load(Bm, at.get())), xv.get()),
          ),
        ),
        f.store(tab, f.add(s.get(), f.i32(TAB)), h0.get()),
        acc.set(
          m.f32.add(
            acc.get(),
            m.f32.mul(copied ? f.load(tab, f.add(at.get(), f.i32(bcStep / 2))) : f.load(Cm, at.get()), h0.get()),
          ),
        ),
      ]),
      ...(D ? [acc.set(m.f32.add(acc.get(), m.f32.mul(f.load(D, d.get()), xv.get())))] : []),
      ...(merged
        ? [merged.add(acc.get, m.f32.load, m.f32.add, m.f32.store), ...merged.advance()]
        : [f.store(y, f.add(row.get(), t.get()), acc.get())]),
    ]),
  ];
  // B (b_w) or C (c_w) at `at` as the scan reads it: f32, and f32x4 for the elements at..at + 3.
  const bcAt = (x: Arr, dls: typeof bDls, at: Ex) =>
    dls ? m.f32.demote(dls.one(m.f64.promote(f.load(x, at)))) : f.load(x, at);
  const bcAt4 = (x: Arr, dls: typeof bDls, at: Ex) =>
    dls ? dls.four(m.v128.load(0, 4, f.addr(x, at))) : m.v128.load(0, 4, f.addr(x, at));
  // The direction's B and C (bc set) at COPY + (t * N + s) * bcStep, C bcStep / 2 past B: with quads
  // each splatted to four lanes (the four-channel scan reads one v128 each), quantized where fused,
  // four steps a vector, then the last L mod 4 one at a time.
  const copyBC = (): Ex[] => {
    const slot = () => f.add(f.mul(f.add(f.mul(t.get(), f.i32(N)), s.get()), f.i32(bcStep)), f.i32(COPY));
    const at4 = quads && copied ? [f.local(f.b.v128), f.local(f.b.v128)] : [];
    const pairs4 = (): Ex[] =>
      [0, 1, 2, 3].flatMap((i) =>
        at4.map((v, c) =>
          m.v128.store(4 * (i * N * bcStep + c * 4), 4, q.get(), lanes32(f, v.get(), v.get(), [i, i, i, i])),
        ),
      );
    const one = (): Ex[] =>
      quads
        ? [
            m.v128.store(0, 4, q.get(), m.f32x4.splat(bcAt(Bm, bDls, at.get()))),
            m.v128.store(16, 4, q.get(), m.f32x4.splat(bcAt(Cm, cDls, at.get()))),
          ]
        : [m.f32.store(0, 4, q.get(), bcAt(Bm, bDls, at.get())), m.f32.store(4, 4, q.get(), bcAt(Cm, cDls, at.get()))];
    return [
      f.for(s, f.i32(0), () => f.i32(N), [
        ...(at4.length
          ? [
              f.for(
                t,
                f.i32(0),
                () => m.i32.sub(L(), f.i32(3)),
                [
                  at.set(f.add(bc.get(), m.i32.mul(s.get(), L()), t.get())),
                  q.set(f.addr(tab, slot())),
                  at4[0].set(bcAt4(Bm, bDls, at.get())),
                  at4[1].set(bcAt4(Cm, cDls, at.get())),
                  ...pairs4(),
                ],
                4,
              ),
            ]
          : []),
        f.for(t, at4.length ? t.get() : f.i32(0), L, [
          at.set(f.add(bc.get(), m.i32.mul(s.get(), L()), t.get())),
          q.set(f.addr(tab, slot())),
          ...(quads && !copied
            ? [
                m.v128.store(0, 4, q.get(), m.v128.load32_splat(0, 4, f.addr(Bm, at.get()))),
                m.v128.store(16, 4, q.get(), m.v128.load32_splat(0, 4, f.addr(Cm, at.get()))),
              ]
            : one()),
        ]),
      ]),
    ];
  };
  // Four channels of one direction at once, channel c in lane c, each lane computing the scalar
  // expression for its channel (the same f32 operations in the same order, so bit-identical); the
  // states stay in locals. A pass before the scan writes per step a record: the four channels' code
  // row addresses (from codes computed four steps a vector, code4 being code bit for bit) and their
  // four u values as one f32x4, each a 4x4 transpose of four channels' vectors of four steps (a
  // v128 store per step and field, where lane stores took sixteen per field). With at most 16 codes, channels 2p and 2p + 1 get a pair row for
  // every two codes (their code rows interleaved, 48 KB in all at N = 10), built per four channels:
  // a step's row positions then come two a v128 load per pair of channels and one shuffle a
  // position (three instructions per two positions; x64 loop body 171 -> 149 at N = 10). With more
  // codes, the four code rows are read four positions a load and transposed (twelve instructions
  // per four positions, where lane loads take sixteen). B and C, shared by the
  // direction's channels, are copied once per direction as splats, read with one v128 load each:
  // V8 hoists a load32_splat's constant offset into a register per state, and spills them.
  const quadScan = (code4: (v: Ex) => Ex, g: Local, e0: Local): Ex[] => {
    const sink = f.i32Local();
    const rows = [0, 1, 2, 3].map(() => f.i32Local());
    const [L4, pos, bct, rec, recs, src] = Array.from({ length: 6 }, () => f.i32Local());
    const hs = Array.from({ length: N }, () => f.local(f.b.v128));
    const [dts, xs, accs, v4, cv, lo4, hi4] = Array.from({ length: 7 }, () => f.local(f.b.v128));
    const lane = f.i32Local();
    const zero = () => m.v128.const(new Array(16).fill(0));
    // Lane c of the four channels' element at t: byte address `pos` + c * L * 4 past `a`.
    const laneAt = (a: Arr, c: number) => f.add(a.base(), pos.get(), ...(c ? [f.mul(L4.get(), f.i32(c))] : []));
    // Both extremes of the codes in `cv` so far, channel c's in lane c.
    const meet = (): Ex[] => [lo4.set(m.i32x4.min_s(lo4.get(), cv.get())), hi4.set(m.i32x4.max_s(hi4.get(), cv.get()))];
    // A code q of channel c has its row at rowBase(c) + q * stride(c) bytes; with pair rows, the row
    // of channels 2p and 2p + 1 with codes q and q' at the sum of their fields (q's row block, then
    // q' rows in).
    const strideOf = (c: number) => (pairs ? (c & 1 ? 4 * PR : 4 * levels * PR) : 4 * R);
    const rowBaseOf = (c: number): Ex =>
      m.i32.sub(
        pairs
          ? c & 1
            ? f.i32(0)
            : f.add(tab.base(), f.i32(4 * PAIRS + (c >> 1) * 4 * levels * levels * PR))
          : f.add(tab.base(), f.i32(c * 4 * TAB)),
        f.i32(strideOf(c) * quant.qn),
      );
    const [rowBases, strides] = [f.local(f.b.v128), f.local(f.b.v128)];
    const [codes, values] = [0, 1].map(() => [0, 1, 2, 3].map(() => f.local(f.b.v128)));
    const [tc, tu] = [new QuadTranspose(f), new QuadTranspose(f)];
    // Channel c's element at src, as a byte offset past `a`.
    const rowAt = (a: Arr, c: number) => f.add(a.base(), src.get(), ...(c ? [f.mul(L4.get(), f.i32(c))] : []));
    // The record pass for the four channels at d: four steps at a time, each channel's codes and u
    // values from a vector per channel, transposed so that a step's record fields are one v128
    // each; then the last L mod 4 steps one at a time, lane by lane.
    const records = (): Ex[] => [
      lo4.set(m.i32x4.splat(f.i32(quant.qp))),
      hi4.set(m.i32x4.splat(f.i32(quant.qn))),
      rowBases.set([1, 2, 3].reduce((v, c) => m.i32x4.replace_lane(v, c, rowBaseOf(c)), m.i32x4.splat(rowBaseOf(0)))),
      strides.set(m.v128.const([...new Uint8Array(Int32Array.from([0, 1, 2, 3], strideOf).buffer)])),
      src.set(m.i32.shl(m.i32.mul(f.add(f.mul(b.get(), f.i32(GE)), d.get()), L()), f.i32(2))),
      rec.set(recs.get()),
      f.for(
        t,
        f.i32(0),
        () => m.i32.sub(L(), f.i32(3)),
        [
          ...codes.map((v, c) => v.set(code4(m.v128.load(0, 4, rowAt(delta, c))))),
          ...tc.of(codes),
          ...[0, 1, 2, 3].flatMap((i) => [
            cv.set(tc.column(i)),
            ...meet(),
            m.v128.store(32 * i, 4, rec.get(), m.i32x4.add(rowBases.get(), m.i32x4.mul(cv.get(), strides.get()))),
          ]),
          ...values.map((v, c) => v.set(uAt4(rowAt(u, c)))),
          ...tu.of(values),
          ...[0, 1, 2, 3].map((i) => m.v128.store(32 * i + 16, 4, rec.get(), tu.column(i))),
          src.set(f.add(src.get(), f.i32(16))),
          rec.set(f.add(rec.get(), f.i32(128))),
        ],
        4,
      ),
      f.for(t, t.get(), L, [
        // The codes themselves (NaN as 0, as code4 gives it), not their offsets from qn.
        cv.set(
          [0, 1, 2, 3].reduce(
            (v, c) =>
              m.i32x4.replace_lane(
                v,
                c,
                m.block(
                  null,
                  [code.set(quant.code(m.f64.promote(m.f32.load(0, 4, rowAt(delta, c))))), codeToI32(f, code)],
                  f.b.i32,
                ),
              ),
            zero(),
          ),
        ),
        ...meet(),
        m.v128.store(0, 4, rec.get(), m.i32x4.add(rowBases.get(), m.i32x4.mul(cv.get(), strides.get()))),
        ...[0, 1, 2, 3].map((c) => m.f32.store(16 + 4 * c, 4, rec.get(), uAt(rowAt(u, c)))),
        src.set(f.add(src.get(), f.i32(4))),
        rec.set(f.add(rec.get(), f.i32(32))),
      ]),
      // Each channel's lowest and highest code, from qn, into the range slots.
      m.v128.store(0, 4, f.addr(tab, f.i32(RANGE)), m.i32x4.sub(lo4.get(), m.i32x4.splat(f.i32(quant.qn)))),
      m.v128.store(0, 4, f.addr(tab, f.i32(RANGE + 4)), m.i32x4.sub(hi4.get(), m.i32x4.splat(f.i32(quant.qn)))),
    ];
    // A code row is dt, then the N states' exp(dt * A): read in blocks of four positions, one v128
    // load per channel, transposed so that position i of the block has channel c in lane c.
    const loaded = [0, 1, 2, 3].map(() => f.local(f.b.v128));
    const half = [0, 1, 2, 3].map(() => f.local(f.b.v128));
    const loadBlock = (j: number): Ex[] => [
      ...loaded.map((r, c) => r.set(m.v128.load(16 * j, 4, rows[c].get()))),
      ...[0, 1].flatMap((p) => [
        half[p].set(lanes32(f, loaded[0].get(), loaded[1].get(), p ? [2, 6, 3, 7] : [0, 4, 1, 5])),
        half[2 + p].set(lanes32(f, loaded[2].get(), loaded[3].get(), p ? [2, 6, 3, 7] : [0, 4, 1, 5])),
      ]),
    ];
    const column = (i: number) =>
      lanes32(f, half[i >> 1].get(), half[2 + (i >> 1)].get(), i & 1 ? [2, 3, 6, 7] : [0, 1, 4, 5]);
    // Pair rows: one v128 load per pair of channels gives two positions, two shuffles their columns.
    const pairBlocks = () =>
      Array.from({ length: Math.ceil(R / 2) }, (_, j) => [
        ...[0, 1].map((pr) => loaded[pr].set(m.v128.load(16 * j, 4, rows[pr].get()))),
        ...[0, 1].flatMap((i) => {
          const position = 2 * j + i;
          const col = lanes32(f, loaded[0].get(), loaded[1].get(), i ? [2, 3, 6, 7] : [0, 1, 4, 5]);
          if (position === 0) return [dts.set(col)];
          return position <= N ? step(position - 1, col) : [];
        }),
      ]);
    const blocks = () =>
      Array.from({ length: Math.ceil(R / 4) }, (_, j) => [
        ...loadBlock(j),
        ...[0, 1, 2, 3].flatMap((i) => {
          const position = 4 * j + i;
          if (position === 0) return [dts.set(column(0))];
          return position <= N ? step(position - 1, column(i)) : [];
        }),
      ]);
    // Each state's acc is also stored (to a slot nothing reads): V8 computes a value no later than its
    // first effectful use, and without the store that is y's store, so it would load every state's
    // operands first and keep them all live, spilling.
    const step = (st: number, dA: Ex): Ex[] => [
      hs[st].set(
        m.f32x4.add(
          m.f32x4.mul(dA, hs[st].get()),
          m.f32x4.mul(m.f32x4.mul(dts.get(), m.v128.load(32 * st, 4, bct.get())), xs.get()),
        ),
      ),
      accs.set(m.f32x4.add(accs.get(), m.f32x4.mul(m.v128.load(32 * st + 16, 4, bct.get()), hs[st].get()))),
      m.v128.store(0, 4, sink.get(), accs.get()),
    ];
    // The pair rows of channels 2p and 2p + 1 (p = lane >> 1 here), for every two codes, from their
    // code rows four positions at a time (reading past a row's end only into scratch, the next row
    // or D, which lands in the padding position).
    const [qa, qb, pa, pb] = [0, 1, 2, 3].map(() => f.i32Local());
    const pairRows = (): Ex =>
      f.for(
        lane,
        f.i32(0),
        () => f.i32(4),
        [
          rec.set(f.add(tab.base(), f.i32(4 * PAIRS), f.mul(lane.get(), f.i32(2 * levels * levels * PR)))),
          f.for(qa, f.i32(0), () => f.i32(levels), [
            pa.set(f.add(tab.base(), f.mul(lane.get(), f.i32(4 * TAB)), f.mul(qa.get(), f.i32(4 * R)))),
            f.for(qb, f.i32(0), () => f.i32(levels), [
              pb.set(
                f.add(tab.base(), f.mul(lane.get(), f.i32(4 * TAB)), f.i32(4 * TAB), f.mul(qb.get(), f.i32(4 * R))),
              ),
              ...Array.from({ length: PR / 8 }, (_, j) => [
                loaded[0].set(m.v128.load(16 * j, 4, pa.get())),
                loaded[1].set(m.v128.load(16 * j, 4, pb.get())),
                m.v128.store(32 * j, 4, rec.get(), lanes32(f, loaded[0].get(), loaded[1].get(), [0, 4, 1, 5])),
                m.v128.store(32 * j + 16, 4, rec.get(), lanes32(f, loaded[0].get(), loaded[1].get(), [2, 6, 3, 7])),
              ]).flat(),
              rec.set(f.add(rec.get(), f.i32(4 * PR))),
            ]),
          ]),
        ],
        2,
      );
    return [
      L4.set(m.i32.shl(L(), f.i32(2))),
      sink.set(f.addr(tab, f.i32(SINK))),
      recs.set(f.addr(tab, f.add(f.mul(L(), f.i32(8 * N)), f.i32(BCT)))),
      ...copyBC(),
      f.for(
        e0,
        f.i32(0),
        () => f.i32(E - 3),
        [
          d.set(f.add(f.mul(g.get(), f.i32(E)), e0.get())),
          // The records first: a channel's code rows are needed only for the codes it meets (about
          // half of them at 4 bits, each row N + 1 exp), the other rows are never read.
          ...records(),
          f.for(lane, f.i32(0), () => f.i32(4), [
            tables(
              () => f.add(d.get(), lane.get()),
              () => f.mul(lane.get(), f.i32(TAB)),
              m.i32.load(0, 4, f.addr(tab, f.add(lane.get(), f.i32(RANGE)))),
              () => f.add(m.i32.load(0, 4, f.addr(tab, f.add(lane.get(), f.i32(RANGE + 4)))), f.i32(1)),
            ),
          ]),
          ...(D ? [0, 1, 2, 3].map((c) => f.store(tab, f.i32(DV + c), f.load(D, f.add(d.get(), f.i32(c))))) : []),
          ...(pairs ? [pairRows()] : []),
          ...hs.map((h) => h.set(zero())),
          ...(merged
            ? merged.start(g.get, e0.get)
            : [pos.set(m.i32.shl(m.i32.mul(f.add(f.mul(b.get(), f.i32(GE)), d.get()), L()), f.i32(2)))]),
          bct.set(f.addr(tab, f.i32(BCT))),
          rec.set(recs.get()),
          f.for(t, f.i32(0), L, [
            ...(pairs
              ? [0, 1].map((pr) =>
                  rows[pr].set(f.add(m.i32.load(8 * pr, 4, rec.get()), m.i32.load(8 * pr + 4, 4, rec.get()))),
                )
              : rows.map((r, c) => r.set(m.i32.load(4 * c, 4, rec.get())))),
            xs.set(m.v128.load(16, 4, rec.get())),
            accs.set(zero()),
            ...(pairs ? pairBlocks() : blocks()).flat(),
            v4.set(
              D
                ? m.f32x4.add(accs.get(), m.f32x4.mul(m.v128.load(0, 4, f.addr(tab, f.i32(DV))), xs.get()))
                : accs.get(),
            ),
            ...(merged
              ? [merged.add(v4.get, m.v128.load, m.f32x4.add, m.v128.store), ...merged.advance()]
              : [
                  ...[0, 1, 2, 3].map((c) => m.v128.store32_lane(0, 4, c, laneAt(y, c), v4.get())),
                  pos.set(f.add(pos.get(), f.i32(4))),
                ]),
            bct.set(f.add(bct.get(), f.i32(32 * N))),
            rec.set(f.add(rec.get(), f.i32(32))),
          ]),
        ],
        4,
      ),
    ];
  };
  // The directions in the order their outputs are summed: where merged, CrossMerge's 0, 2, 1, 3 (g
  // is k with its two bits swapped).
  const directions = (g: Local, body: Ex[]): Ex => {
    if (!merged) return f.for(g, f.i32(0), () => f.i32(G), body);
    const k = f.i32Local();
    return f.for(k, f.i32(0), () => f.i32(G), [
      g.set(m.i32.or(m.i32.shl(m.i32.and(k.get(), f.i32(1)), f.i32(1)), m.i32.shr_u(k.get(), f.i32(1)))),
      ...body,
    ]);
  };
  // Every channel run alone (where merged, in the merge's order of directions), with the copies of
  // its direction's B and C made first where quantized.
  const alone = (): Ex[] => {
    const g = f.i32Local();
    return [
      f.for(b, f.i32(0), () => f.i32(B), [
        directions(g, [
          bc.set(m.i32.mul(f.add(f.mul(b.get(), f.i32(G)), g.get()), f.mul(L(), f.i32(N)))),
          ...(copied ? copyBC() : []),
          f.for(d, f.mul(g.get(), f.i32(E)), () => f.mul(f.add(g.get(), f.i32(1)), f.i32(E)), channel()),
        ]),
      ]),
    ];
  };
  const tail = E - (E % 4);
  const simdBody = (code4: (v: Ex) => Ex): Ex[] => {
    const [g, e0] = [f.i32Local(), f.i32Local()];
    return [
      f.for(b, f.i32(0), () => f.i32(B), [
        directions(g, [
          bc.set(m.i32.mul(f.add(f.mul(b.get(), f.i32(G)), g.get()), f.mul(L(), f.i32(N)))),
          ...quadScan(code4, g, e0),
          ...(tail < E
            ? [f.for(e0, f.i32(tail), () => f.i32(E), [d.set(f.add(f.mul(g.get(), f.i32(E)), e0.get())), ...channel()])]
            : []),
        ]),
      ]),
    ];
  };
  return {
    spec: `qscan_e${E}_n${N}_g${G}_a${bits}${uQuant ? `_u${uQuant.bits}` : ""}${bDls ? `_b${env.int("b_bits")}` : ""}${cDls ? `_c${env.int("c_bits")}` : ""}${softplus ? "" : "_nosoftplus"}${quads ? "_simd4" : ""}${merged ? "_merged" : ""}`,
    body: [
      ...quant.setup,
      ...(uQuant?.setup ?? []),
      ...(bDls?.setup ?? []),
      ...(cDls?.setup ?? []),
      ...(code4
        ? simdBody(code4)
        : copied || merged
          ? alone()
          : [f.for(b, f.i32(0), () => f.i32(B), [f.for(d, f.i32(0), () => f.i32(GE), channel())])]),
    ],
  };
};

export default qscan;

/**
 * Where a merged scan (merge = 1) puts each step's y: its address `at` walks the step's row-major
 * position p in the (B, L, E) output, E * 4 bytes a position. Direction g steps by one position (g
 * = 0), back by one (2), by one row (1) or back by one row (3); the column-major ones jump to the
 * next (previous) column after every H steps. `first` holds for direction 0, which the merge's
 * order runs first: it stores, the others add to what is there.
 */
function mergedOutput(env: WasmKernelEnv, y: Arr, b: Local, E: number, L: Val) {
  const f = env.fn;
  const m = f.m;
  const like = env.inputShape(7);
  if (like.length !== 4) throw env.error("a merged scan needs x_like (B, E, H, W) as input 7");
  const [H, W] = [env.dim(like[2]), env.dim(like[3])];
  const [at, step, wrap, run, left, first] = Array.from({ length: 6 }, () => f.i32Local());
  const row = E * 4;
  return {
    /** For channel e of direction g (b set), before its first step. */
    start: (g: Val, e: Val): Ex[] => {
      const odd = () => m.i32.and(g(), f.i32(1));
      const back = () => m.i32.ge_u(g(), f.i32(2));
      const signed = (v: Val) => m.select(back(), m.i32.sub(f.i32(0), v()), v());
      return [
        step.set(signed(() => m.select(odd(), f.mul(W(), f.i32(row)), f.i32(row)))),
        wrap.set(
          m.select(
            odd(),
            signed(() => f.mul(m.i32.sub(f.i32(1), L()), f.i32(row))),
            f.i32(0),
          ),
        ),
        run.set(m.select(odd(), H(), L())),
        left.set(run.get()),
        at.set(
          f.add(
            y.base(),
            f.mul(f.add(f.mul(b.get(), L()), m.select(back(), m.i32.sub(L(), f.i32(1)), f.i32(0))), f.i32(row)),
            m.i32.shl(e(), f.i32(2)),
          ),
        ),
        first.set(m.i32.eqz(g())),
      ];
    },
    /** The step's y (`v`, a local's getter) into the output, with that type's load, add and store. */
    add: (
      v: Val,
      load: (offset: number, align: number, ptr: Ex) => Ex,
      add: (a: Ex, b: Ex) => Ex,
      store: (offset: number, align: number, ptr: Ex, value: Ex) => Ex,
    ): Ex => store(0, 4, at.get(), m.select(first.get(), v(), add(load(0, 4, at.get()), v()))),
    /** To the next step's position. */
    advance: (): Ex[] => [
      at.set(f.add(at.get(), step.get())),
      left.set(m.i32.sub(left.get(), f.i32(1))),
      f.if(m.i32.eqz(left.get()), [left.set(run.get()), at.set(f.add(at.get(), wrap.get()))]),
    ],
  };
}
