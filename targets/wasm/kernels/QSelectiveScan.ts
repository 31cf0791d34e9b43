import { scanShape } from "../../shared/scan-shape.js";
import type { Ex } from "../binaryen.js";
import type { Local } from "../dsl.js";
import { activationQuant } from "./support/activation-quant.js";
import { codeToI32 } from "./support/integer-epilogue.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * The SS2D selective scan with its delta quantizer inside (qmc.QSelectiveScan), as the js target
 * runs it: DlsQuant leaves delta at most 2^bits values per inference, so per channel the kernel
 * tabulates dt = softplus(value(q) + delta_bias) and exp(dt * A[d, n]) for every code once (with the
 * module's fdlibm exp, bit-identical to the js target's), and the scan does no exp at all. State in
 * f64, operations in the js order: bit-identical results.
 */
const qscan: WasmKernelGenerator = (env) => {
  const { batch: B, GE, G, N, E, us } = scanShape(env);
  const softplus = env.int("delta_softplus", 1) !== 0;
  const u = env.input(0);
  const delta = env.input(1);
  const A = env.input(2);
  const Bm = env.input(3);
  const Cm = env.input(4);
  const D = env.has(5) ? env.input(5) : undefined;
  const bias = env.has(6) ? env.input(6) : undefined;
  const y = env.output(0);
  const L = env.dim(us[2]);
  const n = env.count(us);
  const bits = env.int("delta_bits");
  const levels = 2 ** bits;
  const tab = env.scratch({ c: 4 * levels * (N + 1) + N, h: 0, w: 0, hw: 0 });
  const f = env.fn;
  const m = f.m;
  const quant = activationQuant(env, delta, n, "delta");
  const value = quant.value;
  if (!value) throw env.error("the scan's delta quantizer must be DlsQuant");
  const [b, d, k, s, t, q, row, bc, bcs] = Array.from({ length: 9 }, () => f.i32Local());
  const [raw, dtv, xv, acc, h0, code] = Array.from({ length: 6 }, () => f.f64Local());
  const H0 = levels * (N + 1);
  // With SIMD, two states per f64x2: each lane computes the scalar expression, so h is bit-identical;
  // the C * h sum stays sequential in the js order.
  const pairs = env.isa !== "mvp" && N >= 2;
  const strided = (a: typeof Bm, i: number) => f.loadF(a, f.add(bcs.get(), i ? L() : f.i32(0)));
  const pairStep = (hv: Local): Ex[] => [
    bcs.set(f.add(bc.get(), m.i32.mul(s.get(), L()), t.get())),
    hv.set(
      m.f64x2.add(
        m.f64x2.mul(
          m.v128.load(0, 8, f.addr(tab, f.add(f.mul(q.get(), f.i32(N)), s.get(), f.i32(levels)))),
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
  const TABLE = levels * (N + 1);
  // Channel `ch`'s tables at `base`: dt per code in tab[base + k], exp(dt * A[ch, s]) in
  // tab[base + levels + k * N + s].
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
      f.store(tab, f.add(k.get(), f.i32(base)), dtv.get()),
      f.for(s, f.i32(0), () => f.i32(N), [
        f.store(
          tab,
          f.add(f.mul(k.get(), f.i32(N)), s.get(), f.i32(base + levels)),
          env.math("qexp", m.f64.mul(dtv.get(), f.loadF(A, f.add(f.mul(ch(), f.i32(N)), s.get())))),
        ),
      ]),
    ]);
  const quads = env.isa !== "mvp" && E % 4 === 0;
  // With SIMD and E divisible by 4: four channels of one direction at once, two per f64x2, each lane
  // computing the scalar expression for its channel (the same operations in the same order, so
  // bit-identical); B and C are shared by the four, the states stay in locals.
  const quadScan = (): Ex[] => {
    const qs = [0, 1, 2, 3].map(() => f.i32Local());
    const hs = Array.from({ length: 2 * N }, () => f.local(f.b.v128));
    const [dts, xs, accs, bS, cS] = [0, 1, 2, 3, 4].map((i) =>
      i < 3 ? [f.local(f.b.v128), f.local(f.b.v128)] : [f.local(f.b.v128)],
    );
    const lane = (c: number) => f.add(row.get(), m.i32.mul(L(), f.i32(c)), t.get());
    const two = (at: (c: number) => Ex, half: number): Ex =>
      m.f64x2.replace_lane(m.f64x2.splat(at(2 * half)), 1, at(2 * half + 1));
    const zero = () => m.v128.const(new Array(16).fill(0));
    const step = (st: number): Ex[] => [
      bS[0].set(m.f64x2.splat(f.loadF(Bm, f.add(bc.get(), m.i32.mul(L(), f.i32(st)), t.get())))),
      cS[0].set(m.f64x2.splat(f.loadF(Cm, f.add(bc.get(), m.i32.mul(L(), f.i32(st)), t.get())))),
      ...[0, 1].flatMap((half) => {
        const h = hs[2 * st + half];
        const e = two((c) => f.load(tab, f.add(f.mul(qs[c].get(), f.i32(N)), f.i32(c * TABLE + levels + st))), half);
        return [
          h.set(
            m.f64x2.add(
              m.f64x2.mul(e, h.get()),
              m.f64x2.mul(m.f64x2.mul(dts[half].get(), bS[0].get()), xs[half].get()),
            ),
          ),
          accs[half].set(m.f64x2.add(accs[half].get(), m.f64x2.mul(cS[0].get(), h.get()))),
        ];
      }),
    ];
    const out = (c: number): Ex => {
      const half = c >> 1;
      const acc1 = m.f64x2.extract_lane(accs[half].get(), c & 1);
      const x1 = m.f64x2.extract_lane(xs[half].get(), c & 1);
      return f.storeF(y, lane(c), D ? m.f64.add(acc1, m.f64.mul(f.loadF(D, f.add(d.get(), f.i32(c))), x1)) : acc1);
    };
    return [
      f.for(b, f.i32(0), () => f.i32(B), [
        f.for(
          d,
          f.i32(0),
          () => f.i32(GE),
          [
            row.set(m.i32.mul(f.add(f.mul(b.get(), f.i32(GE)), d.get()), L())),
            bc.set(m.i32.mul(f.add(f.mul(b.get(), f.i32(G)), m.i32.div_s(d.get(), f.i32(E))), f.mul(L(), f.i32(N)))),
            ...[0, 1, 2, 3].map((c) => tables(() => f.add(d.get(), f.i32(c)), c * TABLE)),
            ...hs.map((h) => h.set(zero())),
            f.for(t, f.i32(0), L, [
              ...[0, 1, 2, 3].flatMap((c) => [
                code.set(m.f64.sub(quant.code(f.loadF(delta, lane(c))), f.f64(quant.qn))),
                qs[c].set(codeToI32(f, code)),
              ]),
              ...[0, 1].flatMap((half) => [
                dts[half].set(two((c) => f.load(tab, f.add(qs[c].get(), f.i32(c * TABLE))), half)),
                xs[half].set(two((c) => f.loadF(u, lane(c)), half)),
                accs[half].set(zero()),
              ]),
              ...Array.from({ length: N }, (_, st) => step(st)).flat(),
              ...[0, 1, 2, 3].map(out),
            ]),
          ],
          4,
        ),
      ]),
    ];
  };
  return {
    spec: `qscan_e${E}_n${N}_g${G}_a${bits}${softplus ? "" : "_nosoftplus"}${quads ? "_simd4" : pairs ? "_simd" : ""}`,
    body: quads
      ? [...quant.setup, ...quadScan()]
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
                dtv.set(f.load(tab, q.get())),
                xv.set(f.loadF(u, f.add(row.get(), t.get()))),
                acc.set(f.f64(0)),
                ...(pairs ? [f.for(s, f.i32(0), () => f.i32(N - 1), pairStep(f.local(f.b.v128)), 2)] : []),
                f.for(s, f.i32(pairs ? N - (N % 2) : 0), () => f.i32(N), [
                  bcs.set(f.add(bc.get(), m.i32.mul(s.get(), L()), t.get())),
                  h0.set(
                    m.f64.add(
                      m.f64.mul(
                        f.load(tab, f.add(f.mul(q.get(), f.i32(N)), s.get(), f.i32(levels))),
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
