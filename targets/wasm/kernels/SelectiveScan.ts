import { shapeSpec } from "../../shared/broadcast.js";
import type { Ex } from "../binaryen.js";
import type { Arr, Local } from "../dsl.js";
import { qexp32, qsoftplus32 } from "../scan-math.js";
import { scanOperands } from "./support/scan-operands.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * The float selective scan (QMAMBAIR.md section 1) for u, delta (B, G*E, L); A (G*E, N); B, C
 * (B, G, N, L); D, delta_bias (G*E): the js target's loop in f32 operations, in the order of
 * compiler/ops/support/ss2d.ts, with the float32 exp32 and softplus32 (scan-math.ts), so results are
 * bit-identical to the js artifacts. On mvp (and for the last E mod 4 channels of a direction) one
 * channel at a time in scalar f32, calling the module's qexp32 and qsoftplus32; with SIMD four
 * channels of a direction per f32x4, those routines written out on the vectors, see quadScan.
 */
/** Steps whose dt the four-channel scan computes together. */
const DT_STEPS = 2;
/**
 * States whose decays exp32(dt * A) the four-channel scan computes together, their statements
 * interleaved: each exp32 is one long dependency chain, and side by side in the code the CPU runs
 * them together. Measured on the light std model's scan (alternated CPU-time runs in one process):
 * 2 states 8% faster than 1, 5 states 13%.
 */
const STATES_TOGETHER = 5;

const selectiveScan: WasmKernelGenerator = (env) => {
  const { batch, GE, G, N, E, us, bs, softplus, u, delta, A, Bm, Cm, D, bias, y, L } = scanOperands(env);
  const NL = env.count([bs[2], us[2]]);
  const quads = env.isa !== "mvp" && E >= 4;
  // Scratch in float32 elements. A channel run alone keeps its state at 0. The four-channel scan
  // keeps the four channels' A (state-major: AT[n * 4 + c]), D and delta_bias of the four, their
  // states (HS[n * 4 + c]), then the direction's B and C as (B, C) pairs in (t, state) order, then
  // the four channels' dt of every step.
  const [AT, DV, BI, HS, BCT] = [0, 4 * N, 4 * N + 4, 4 * N + 8, 8 * N + 8];
  const Ld = us[2];
  // env.scratch counts 8-byte elements: one per (B, C) pair, two per step's dt, half the rest.
  const h = env.scratch(
    quads
      ? { c: BCT / 2 + (N + 2) * Ld.c, h: (N + 2) * Ld.h, w: (N + 2) * Ld.w, hw: (N + 2) * Ld.hw }
      : { c: Math.ceil(N / 2), h: 0, w: 0, hw: 0 },
    "f32",
  );
  const f = env.fn;
  const m = f.m;
  const [b, d, n, t, row, bc, at] = Array.from({ length: 7 }, () => f.i32Local());
  const [raw, dt, xv, acc, hn] = Array.from({ length: 5 }, () => f.local(f.b.f32));
  const exp32 = (x: Ex) => m.f32.demote(env.math("qexp32", m.f64.promote(x)));
  const dtOfRaw = () => (softplus ? m.f32.demote(env.math("qsoftplus32", m.f64.promote(raw.get()))) : raw.get());
  // Channel d alone (b and bc set).
  const channel = (): Ex[] => [
    row.set(m.i32.mul(f.add(f.mul(b.get(), f.i32(GE)), d.get()), L())),
    f.for(n, f.i32(0), () => f.i32(N), [f.store(h, n.get(), m.f32.const(0))]),
    f.for(t, f.i32(0), L, [
      raw.set(
        bias
          ? m.f32.add(f.load(delta, f.add(row.get(), t.get())), f.load(bias, d.get()))
          : f.load(delta, f.add(row.get(), t.get())),
      ),
      dt.set(dtOfRaw()),
      xv.set(f.load(u, f.add(row.get(), t.get()))),
      acc.set(m.f32.const(0)),
      f.for(n, f.i32(0), () => f.i32(N), [
        at.set(f.add(bc.get(), m.i32.mul(n.get(), L()), t.get())),
        hn.set(
          m.f32.add(
            m.f32.mul(
              exp32(m.f32.mul(dt.get(), f.load(A, f.add(f.mul(d.get(), f.i32(N)), n.get())))),
              f.load(h, n.get()),
            ),
            m.f32.mul(m.f32.mul(dt.get(), f.load(Bm, at.get())), xv.get()),
          ),
        ),
        f.store(h, n.get(), hn.get()),
        acc.set(m.f32.add(acc.get(), m.f32.mul(f.load(Cm, at.get()), hn.get()))),
      ]),
      f.store(
        y,
        f.add(row.get(), t.get()),
        D ? m.f32.add(acc.get(), m.f32.mul(f.load(D, d.get()), xv.get())) : acc.get(),
      ),
    ]),
  ];
  // Four channels of direction g at once, channel c in lane c: a first pass computes every step's
  // dt, a second runs the state update and the C * h sum on f32x4, each lane the scalar operations
  // in the scalar order. softplus32 and exp32 are written out on the vectors (no call, which would
  // spill the states), each lane their scalar path bit for bit.
  const quadScan = (g: () => Ex, e0: typeof b): Ex[] => {
    const [c, L4, pos, bct, dtAt] = Array.from({ length: 5 }, () => f.i32Local());
    const [dts, xs, accs, bS, cS, out, hv] = Array.from({ length: 7 }, () => f.local(f.b.v128));
    const decays = Array.from({ length: STATES_TOGETHER }, () => f.local(f.b.v128));
    const raws = Array.from({ length: DT_STEPS }, () => f.local(f.b.v128));
    const zero = () => m.v128.const(new Array(16).fill(0));
    // Lane c's element at t of the four channels: byte address `pos` + c * L * 4 past `a`.
    const laneAt = (a: Arr, lane: number) =>
      f.add(a.base(), pos.get(), ...(lane ? [f.mul(L4.get(), f.i32(lane))] : []));
    const four = (a: Arr) =>
      [1, 2, 3].reduce(
        (v, lane) => m.v128.load32_lane(0, 4, lane, laneAt(a, lane), v),
        m.v128.load32_zero(0, 4, laneAt(a, 0)),
      );
    const scratchAt = (i: number) => f.addr(h, f.i32(i));
    // Byte offset of channel d's row, at t = 0.
    const rowStart = () => m.i32.shl(m.i32.mul(f.add(f.mul(b.get(), f.i32(GE)), d.get()), L()), f.i32(2));
    // The four channels' dt of every step, after the (B, C) pairs: a pass of its own, whose steps
    // do not wait on each other as the state updates do. DT_STEPS steps at a time with their
    // softplus statements interleaved, so that their long dependency chains run side by side.
    const dtBase = () => f.addr(h, f.add(f.i32(BCT), m.i32.mul(L(), f.i32(2 * N))));
    const raw4 = (v: Local) => [
      v.set(bias ? m.f32x4.add(four(delta), m.v128.load(0, 4, scratchAt(BI))) : four(delta)),
      pos.set(f.add(pos.get(), f.i32(4))),
    ];
    const dtPass = (): Ex[] => [
      pos.set(rowStart()),
      dtAt.set(dtBase()),
      ...(softplus
        ? [
            f.for(
              t,
              f.i32(DT_STEPS - 1),
              L,
              [
                ...raws.flatMap(raw4),
                ...qsoftplus32.inline(f, raws, raws),
                ...raws.map((v, k) => m.v128.store(16 * k, 4, dtAt.get(), v.get())),
                dtAt.set(f.add(dtAt.get(), f.i32(16 * DT_STEPS))),
              ],
              DT_STEPS,
            ),
          ]
        : []),
      // The last L mod DT_STEPS steps (all of them without softplus).
      f.for(t, softplus ? m.i32.sub(t.get(), f.i32(DT_STEPS - 1)) : f.i32(0), L, [
        ...raw4(raws[0]),
        ...(softplus ? qsoftplus32.inline(f, [raws[0]], [raws[0]]) : []),
        m.v128.store(0, 4, dtAt.get(), raws[0].get()),
        dtAt.set(f.add(dtAt.get(), f.i32(16))),
      ]),
    ];
    // State st's update from its decay, in state order (acc's sums keep the reference's order). The
    // states live in scratch, not in locals: the store of a group's last state orders the next
    // group's A loads after it, so V8 cannot start all N exp32 at the top of the step, which kept
    // their temporaries live together and spilled more vectors than it computed (and with the
    // states in locals, two states' exp32 interleaved had measured 10-30% slower).
    const update = (st: number, decay: Local): Ex[] => [
      bS.set(m.v128.load32_splat(8 * st, 4, bct.get())),
      cS.set(m.v128.load32_splat(8 * st + 4, 4, bct.get())),
      hv.set(
        m.f32x4.add(
          m.f32x4.mul(decay.get(), m.v128.load(0, 4, scratchAt(HS + 4 * st))),
          m.f32x4.mul(m.f32x4.mul(dts.get(), bS.get()), xs.get()),
        ),
      ),
      m.v128.store(0, 4, scratchAt(HS + 4 * st), hv.get()),
      accs.set(m.f32x4.add(accs.get(), m.f32x4.mul(cS.get(), hv.get()))),
    ];
    // States first.. (STATES_TOGETHER of them, or the rest): their decays, then their updates.
    const steps = (first: number): Ex[] => {
      const sts = Array.from({ length: Math.min(STATES_TOGETHER, N - first) }, (_, i) => first + i);
      const ds = decays.slice(0, sts.length);
      return [
        ...sts.map((st, i) => ds[i].set(m.f32x4.mul(dts.get(), m.v128.load(0, 4, scratchAt(AT + 4 * st))))),
        ...qexp32.inline(f, ds, ds),
        ...sts.flatMap((st, i) => update(st, ds[i])),
      ];
    };
    return [
      L4.set(m.i32.shl(L(), f.i32(2))),
      f.for(n, f.i32(0), () => f.i32(N), [
        f.for(t, f.i32(0), L, [
          at.set(f.add(bc.get(), m.i32.mul(n.get(), L()), t.get())),
          row.set(f.addr(h, f.add(f.mul(f.add(f.mul(t.get(), f.i32(N)), n.get()), f.i32(2)), f.i32(BCT)))),
          m.f32.store(0, 4, row.get(), f.load(Bm, at.get())),
          m.f32.store(4, 4, row.get(), f.load(Cm, at.get())),
        ]),
      ]),
      f.for(
        e0,
        f.i32(0),
        () => f.i32(E - 3),
        [
          d.set(f.add(f.mul(g(), f.i32(E)), e0.get())),
          f.for(c, f.i32(0), () => f.i32(4), [
            f.for(n, f.i32(0), () => f.i32(N), [
              f.store(
                h,
                f.add(f.mul(n.get(), f.i32(4)), c.get(), f.i32(AT)),
                f.load(A, f.add(f.mul(f.add(d.get(), c.get()), f.i32(N)), n.get())),
              ),
            ]),
            ...(D ? [f.store(h, f.add(c.get(), f.i32(DV)), f.load(D, f.add(d.get(), c.get())))] : []),
            ...(bias ? [f.store(h, f.add(c.get(), f.i32(BI)), f.load(bias, f.add(d.get(), c.get())))] : []),
          ]),
          ...dtPass(),
          ...Array.from({ length: N }, (_, st) => m.v128.store(0, 4, scratchAt(HS + 4 * st), zero())),
          pos.set(rowStart()),
          bct.set(f.addr(h, f.i32(BCT))),
          dtAt.set(dtBase()),
          f.for(t, f.i32(0), L, [
            dts.set(m.v128.load(0, 4, dtAt.get())),
            xs.set(four(u)),
            accs.set(zero()),
            ...Array.from({ length: Math.ceil(N / STATES_TOGETHER) }, (_, q) => steps(q * STATES_TOGETHER)).flat(),
            out.set(D ? m.f32x4.add(accs.get(), m.f32x4.mul(m.v128.load(0, 4, scratchAt(DV)), xs.get())) : accs.get()),
            ...[0, 1, 2, 3].map((lane) => m.v128.store32_lane(0, 4, lane, laneAt(y, lane), out.get())),
            pos.set(f.add(pos.get(), f.i32(4))),
            bct.set(f.add(bct.get(), f.i32(8 * N))),
            dtAt.set(f.add(dtAt.get(), f.i32(16))),
          ]),
        ],
        4,
      ),
    ];
  };
  const tail = E - (E % 4);
  const directions = (): Ex => {
    const [g, e0] = [f.i32Local(), f.i32Local()];
    return f.for(g, f.i32(0), () => f.i32(G), [
      bc.set(m.i32.mul(f.add(f.mul(b.get(), f.i32(G)), g.get()), NL())),
      ...quadScan(g.get, e0),
      ...(tail < E
        ? [f.for(e0, f.i32(tail), () => f.i32(E), [d.set(f.add(f.mul(g.get(), f.i32(E)), e0.get())), ...channel()])]
        : []),
    ]);
  };
  return {
    spec: `selective_scan_g${G}_e${E}_n${N}_${shapeSpec(us)}${softplus ? "" : "_nosoftplus"}${quads ? "_simd4" : ""}`,
    body: [
      f.for(b, f.i32(0), () => f.i32(batch), [
        quads
          ? directions()
          : f.for(d, f.i32(0), () => f.i32(GE), [
              bc.set(m.i32.mul(f.add(f.mul(b.get(), f.i32(G)), m.i32.div_s(d.get(), f.i32(E))), NL())),
              ...channel(),
            ]),
      ]),
    ],
  };
};

export default selectiveScan;
