import type { Ex } from "../binaryen.js";
import type { Local } from "../dsl.js";
import { activationQuant } from "./support/activation-quant.js";
import { codeToI32 } from "./support/integer-epilogue.js";
import { promoteHigh } from "./support/lanes.js";
import { scanOperands } from "./support/scan-operands.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * The SS2D selective scan with its delta quantizer inside (qmc.QSelectiveScan), as the js target
 * runs it: DlsQuant leaves delta at most 2^bits values per inference, so per channel the kernel
 * tabulates dt = softplus(value(q) + delta_bias) and exp(dt * A[d, n]) for every code once (with the
 * module's fdlibm exp, bit-identical to the js target's), and the scan does no exp at all. State in
 * f64, operations in the js order: bit-identical results.
 */
const qscan: WasmKernelGenerator = (env) => {
  const { batch: B, GE, G, N, E, us, softplus, u, delta, A, Bm, Cm, D, bias, y, L } = scanOperands(env);
  const n = env.count(us);
  const bits = env.int("delta_bits");
  const levels = 2 ** bits;
  const f = env.fn;
  const m = f.m;
  const quant = activationQuant(env, delta, n, "delta");
  const value = quant.value;
  if (!value) throw env.error("the scan's delta quantizer must be DlsQuant");
  const code4 = env.isa !== "mvp" && E % 4 === 0 ? quant.code4 : undefined;
  const quads = code4 !== undefined;
  // Per code q a row of R: dt, then exp(dt * A[d, s]) per state. The scalar scans keep one channel's
  // rows and the states after them; the four-channel scan keeps four channels' rows, D of the four,
  // a slot for the stores that only order V8's schedule, and the direction's B and C (see quadScan).
  const R = N + 1;
  const TAB = levels * R;
  const Ld = us[2];
  const tab = env.scratch(
    quads
      ? { c: 4 * TAB + 10 + 2 * N * Ld.c, h: 2 * N * Ld.h, w: 2 * N * Ld.w, hw: 2 * N * Ld.hw }
      : { c: TAB + N, h: 0, w: 0, hw: 0 },
  );
  const [b, d, k, s, t, q, row, bc, bcs] = Array.from({ length: 9 }, () => f.i32Local());
  const [raw, dtv, xv, acc, h0, code] = Array.from({ length: 6 }, () => f.f64Local());
  const H0 = TAB;
  // With SIMD, two states per f64x2: each lane computes the scalar expression, so h is bit-identical;
  // the C * h sum stays sequential in the js order.
  const pairs = env.isa !== "mvp" && N >= 2;
  const strided = (a: typeof Bm, i: number) => f.loadF(a, f.add(bcs.get(), i ? L() : f.i32(0)));
  const pairStep = (hv: Local): Ex[] => [
    bcs.set(f.add(bc.get(), m.i32.mul(s.get(), L()), t.get())),
    hv.set(
      m.f64x2.add(
        m.f64x2.mul(
          m.v128.load(8, 8, f.addr(tab, f.add(f.mul(q.get(), f.i32(R)), s.get()))),
          m.v128.load(0, 8, f.addr(tab, f.add(s.get(), f.i32(H0)))),
        ),
        m.f64x2.mul(
          m.f64x2.mul(m.f64x2.splat(dtv.get()), m.f64x2.replace_lane(m.f64x2.splat(strided(Bm, 0)), 1, strided(Bm, 1))),
          m.f64x2.splat(xv.get()),
        ),
      ),
    ),
    m.v128.store(0, 8, f.addr(tab, f.add(s.get(), f.i32(H0))), hv.get()),
    acc.set(m.f64.add(acc.get(), m.f64.mul(strided(Cm, 0), m.f64x2.extract_lane(hv.get(), 0)))),
    acc.set(m.f64.add(acc.get(), m.f64.mul(strided(Cm, 1), m.f64x2.extract_lane(hv.get(), 1)))),
  ];
  const dt = () =>
    softplus
      ? m.select(m.f64.gt(raw.get(), f.f64(20)), raw.get(), env.math("qlog1p", env.math("qexp", raw.get())))
      : raw.get();
  // Channel `ch`'s rows at `base`.
  const tables = (ch: () => Ex, base: number): Ex =>
    f.for(k, f.i32(0), () => f.i32(levels), [
      raw.set(
        f.f32(
          bias
            ? m.f64.add(value(m.f64.convert_s.i32(f.add(k.get(), f.i32(quant.qn)))), f.loadF(bias, ch()))
            : value(m.f64.convert_s.i32(f.add(k.get(), f.i32(quant.qn)))),
        ),
      ),
      dtv.set(dt()),
      f.store(tab, f.add(f.mul(k.get(), f.i32(R)), f.i32(base)), dtv.get()),
      f.for(s, f.i32(0), () => f.i32(N), [
        f.store(
          tab,
          f.add(f.mul(k.get(), f.i32(R)), s.get(), f.i32(base + 1)),
          env.math("qexp", m.f64.mul(dtv.get(), f.loadF(A, f.add(f.mul(ch(), f.i32(N)), s.get())))),
        ),
      ]),
    ]);
  // With SIMD and E divisible by 4: four channels of one direction at once, two per f64x2, each lane
  // computing the scalar expression for its channel (the same operations in the same order, so
  // bit-identical); the states stay in locals. Per step the four codes come from one f32x4 (code4
  // is code bit for bit) as four table row addresses, so every table read is a load at a constant
  // offset. B and C, shared by the direction's channels, are copied once per direction into
  // (t, state) order as f64 pairs (B, C), read as splats at constant offsets too.
  const quadScan = (code4: (v: Ex) => Ex): Ex[] => {
    const DV = 4 * TAB;
    const SINK = DV + 4;
    const BCT = SINK + 6;
    const sink = f.i32Local();
    const rows = [0, 1, 2, 3].map(() => f.i32Local());
    const [L4, at, bct, e0, g] = [0, 1, 2, 3, 4].map(() => f.i32Local());
    const hs = Array.from({ length: 2 * N }, () => f.local(f.b.v128));
    const [dts, xs, accs] = [0, 1, 2].map(() => [f.local(f.b.v128), f.local(f.b.v128)]);
    const [base4, v4, next4] = [f.local(f.b.v128), f.local(f.b.v128), f.local(f.b.v128)];
    const nx = f.i32Local();
    const rowsOf = (v: Ex) => m.i32x4.add(base4.get(), m.i32x4.mul(code4(v), m.i32x4.splat(f.i32(8 * R))));
    const zero = () => m.v128.const(new Array(16).fill(0));
    const i32x4 = (v: number[]) => m.v128.const([...new Uint8Array(Int32Array.from(v).buffer)]);
    // Lane c of the four channels' element at t: byte address `at` + c * L * 4 past `a`.
    const laneAt = (a: typeof u, c: number, off?: Local) =>
      f.add(a.base(), at.get(), ...(c ? [f.mul(L4.get(), f.i32(c))] : []), ...(off ? [off.get()] : []));
    const four = (a: typeof u, off?: Local) =>
      [1, 2, 3].reduce(
        (v, c) => m.v128.load32_lane(0, 4, c, laneAt(a, c, off), v),
        m.v128.load32_zero(0, 4, laneAt(a, 0, off)),
      );
    const gather = (half: number, off: number) =>
      m.v128.load64_lane(off, 8, 1, rows[2 * half + 1].get(), m.v128.load64_zero(off, 8, rows[2 * half].get()));
    const [bS, cS] = [f.local(f.b.v128), f.local(f.b.v128)];
    // Each state's acc is also stored (to a slot nothing reads): V8 computes a value no later than its
    // first effectful use, and without the store that is y's store, so it would load every state's
    // operands first and keep them all live, spilling.
    const step = (st: number): Ex[] => [
      bS.set(m.v128.load64_splat(16 * st, 8, bct.get())),
      cS.set(m.v128.load64_splat(16 * st + 8, 8, bct.get())),
      ...[0, 1].flatMap((half) => {
        const h = hs[2 * st + half];
        return [
          h.set(
            m.f64x2.add(
              m.f64x2.mul(gather(half, 8 * (1 + st)), h.get()),
              m.f64x2.mul(m.f64x2.mul(dts[half].get(), bS.get()), xs[half].get()),
            ),
          ),
          accs[half].set(m.f64x2.add(accs[half].get(), m.f64x2.mul(cS.get(), h.get()))),
          m.v128.store(16 * half, 8, sink.get(), accs[half].get()),
        ];
      }),
    ];
    const out = (half: number): Ex[] => [
      v4.set(
        m.f32x4.demote_f64x2_zero(
          D
            ? m.f64x2.add(
                accs[half].get(),
                m.f64x2.mul(m.v128.load(16 * half, 8, f.addr(tab, f.i32(DV))), xs[half].get()),
              )
            : accs[half].get(),
        ),
      ),
      ...[0, 1].map((l) => m.v128.store32_lane(0, 4, l, laneAt(y, 2 * half + l), v4.get())),
    ];
    return [
      L4.set(m.i32.shl(L(), f.i32(2))),
      f.for(b, f.i32(0), () => f.i32(B), [
        f.for(g, f.i32(0), () => f.i32(G), [
          bc.set(m.i32.mul(f.add(f.mul(b.get(), f.i32(G)), g.get()), f.mul(L(), f.i32(N)))),
          f.for(s, f.i32(0), () => f.i32(N), [
            f.for(t, f.i32(0), L, [
              bcs.set(f.add(bc.get(), m.i32.mul(s.get(), L()), t.get())),
              m.v128.store(
                0,
                8,
                f.addr(tab, f.add(f.mul(f.add(f.mul(t.get(), f.i32(N)), s.get()), f.i32(2)), f.i32(BCT))),
                m.f64x2.replace_lane(m.f64x2.splat(f.loadF(Bm, bcs.get())), 1, f.loadF(Cm, bcs.get())),
              ),
            ]),
          ]),
          f.for(
            e0,
            f.i32(0),
            () => f.i32(E),
            [
              d.set(f.add(f.mul(g.get(), f.i32(E)), e0.get())),
              ...[0, 1, 2, 3].map((c) => tables(() => f.add(d.get(), f.i32(c)), c * TAB)),
              ...(D ? [0, 1, 2, 3].map((c) => f.store(tab, f.i32(DV + c), f.loadF(D, f.add(d.get(), f.i32(c))))) : []),
              // A code q's row is at base4 + q * R * 8 (q from qn), per channel.
              base4.set(
                m.i32x4.add(m.i32x4.splat(tab.base()), i32x4([0, 1, 2, 3].map((c) => 8 * (c * TAB - quant.qn * R)))),
              ),
              sink.set(f.addr(tab, f.i32(SINK))),
              ...hs.map((h) => h.set(zero())),
              at.set(m.i32.shl(m.i32.mul(f.add(f.mul(b.get(), f.i32(GE)), d.get()), L()), f.i32(2))),
              bct.set(f.addr(tab, f.i32(BCT))),
              v4.set(rowsOf(four(delta))),
              ...rows.map((r, c) => r.set(m.i32x4.extract_lane(v4.get(), c))),
              f.for(t, f.i32(0), L, [
                // The next step's rows, stored like acc so that V8 computes them here, a step ahead
                // of their gathers; the last step reads its own codes again rather than past the row.
                nx.set(m.select(m.i32.lt_s(f.add(t.get(), f.i32(1)), L()), f.i32(4), f.i32(0))),
                next4.set(rowsOf(four(delta, nx))),
                m.v128.store(32, 8, sink.get(), next4.get()),
                v4.set(four(u)),
                xs[0].set(m.f64x2.promote_low_f32x4(v4.get())),
                xs[1].set(promoteHigh(f, v4)),
                ...[0, 1].flatMap((half) => [dts[half].set(gather(half, 0)), accs[half].set(zero())]),
                ...Array.from({ length: N }, (_, st) => step(st)).flat(),
                ...out(0),
                ...out(1),
                ...rows.map((r, c) => r.set(m.i32x4.extract_lane(next4.get(), c))),
                at.set(f.add(at.get(), f.i32(4))),
                bct.set(f.add(bct.get(), f.i32(16 * N))),
              ]),
            ],
            4,
          ),
        ]),
      ]),
    ];
  };
  return {
    spec: `qscan_e${E}_n${N}_g${G}_a${bits}${softplus ? "" : "_nosoftplus"}${quads ? "_simd4" : pairs ? "_simd" : ""}`,
    body: code4
      ? [...quant.setup, ...quadScan(code4)]
      : [
          ...quant.setup,
          f.for(b, f.i32(0), () => f.i32(B), [
            f.for(d, f.i32(0), () => f.i32(GE), [
              row.set(m.i32.mul(f.add(f.mul(b.get(), f.i32(GE)), d.get()), L())),
              bc.set(m.i32.mul(f.add(f.mul(b.get(), f.i32(G)), m.i32.div_s(d.get(), f.i32(E))), f.mul(L(), f.i32(N)))),
              tables(d.get, 0),
              f.for(s, f.i32(0), () => f.i32(N), [f.store(tab, f.add(s.get(), f.i32(H0)), f.f64(0))]),
              f.for(t, f.i32(0), L, [
                code.set(m.f64.sub(quant.code(f.loadF(delta, f.add(row.get(), t.get()))), f.f64(quant.qn))),
                q.set(codeToI32(f, code)),
                dtv.set(f.load(tab, f.mul(q.get(), f.i32(R)))),
                xv.set(f.loadF(u, f.add(row.get(), t.get()))),
                acc.set(f.f64(0)),
                ...(pairs ? [f.for(s, f.i32(0), () => f.i32(N - 1), pairStep(f.local(f.b.v128)), 2)] : []),
                f.for(s, f.i32(pairs ? N - (N % 2) : 0), () => f.i32(N), [
                  bcs.set(f.add(bc.get(), m.i32.mul(s.get(), L()), t.get())),
                  h0.set(
                    m.f64.add(
                      m.f64.mul(
                        f.load(tab, f.add(f.mul(q.get(), f.i32(R)), s.get(), f.i32(1))),
                        f.load(tab, f.add(s.get(), f.i32(H0))),
                      ),
                      m.f64.mul(m.f64.mul(dtv.get(), f.loadF(Bm, bcs.get())), xv.get()),
                    ),
                  ),
                  f.store(tab, f.add(s.get(), f.i32(H0)), h0.get()),
                  acc.set(m.f64.add(acc.get(), m.f64.mul(f.loadF(Cm, bcs.get()), h0.get()))),
                ]),
                f.storeF(
                  y,
                  f.add(row.get(), t.get()),
                  D ? m.f64.add(acc.get(), m.f64.mul(f.loadF(D, d.get()), xv.get())) : acc.get(),
                ),
              ]),
            ]),
          ]),
        ],
  };
};

export default qscan;
