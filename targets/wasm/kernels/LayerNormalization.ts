import { shapeSpec } from "../../shared/broadcast.js";
import type { Ex } from "../binaryen.js";
import { joinLow, promoteHigh } from "./support/lanes.js";
import type { WasmKernelGenerator } from "./types.js";

/** Rows whose statistics a SIMD block gathers at once: four f64x2 chains, so that the adds overlap. */
const ROWS = 8;

/**
 * Normalization over the last axis, statistics in f64 and two passes, in the js target's order of
 * operations (so results are bit-identical). Scale and bias hold one value per channel, or one in all.
 * With SIMD and a channel count fixed when compiling, blocks of eight rows gather their statistics
 * together, row r in lane r of four f64x2 sums (each lane still adds its row's elements in order),
 * and each row is normalized four channels at a time; the rows after the last block go one by one.
 */
const layerNorm: WasmKernelGenerator = (env) => {
  const xs = env.inputShape(0);
  const rank = xs.length;
  const axis = env.int("axis", -1);
  if (axis !== -1 && axis !== rank - 1) throw env.error(`axis ${axis}: only the last axis is supported`);
  const epsilon = env.float("epsilon", 1e-5);
  const x = env.input(0);
  const scale = env.input(1);
  const bias = env.has(2) ? env.input(2) : undefined;
  const y = env.output(0);
  const last = xs[rank - 1];
  const C = env.dim(last);
  const G = env.count(xs.slice(0, -1));
  const perChannel = (i: number) => {
    const s = env.inputShape(i);
    return s.length > 0 && env.staticDim(s[s.length - 1], "the scale/bias length") !== 1;
  };
  const sPer = perChannel(1);
  const bPer = bias ? perChannel(2) : false;
  const f = env.fn;
  const m = f.m;
  const v = m.f64x2;
  const [g, i, base] = [0, 1, 2].map(() => f.i32Local());
  const [mu, sq, d, inv] = [0, 1, 2, 3].map(() => f.f64Local());
  const xi = () => f.loadF(x, f.add(base.get(), i.get()));
  const cf = () => m.f64.convert_s.i32(C());
  const channelValue = (a: typeof scale, per: boolean) => f.loadF(a, per ? i.get() : f.i32(0));
  const biasValue = () => (bias ? channelValue(bias, bPer) : f.f64(0));
  const normalized = (xv: Ex, muv: Ex, invv: Ex) =>
    m.f64.add(m.f64.mul(m.f64.mul(m.f64.sub(xv, muv), invv), channelValue(scale, sPer)), biasValue());
  const row = (): Ex[] => [
    base.set(m.i32.mul(g.get(), C())),
    mu.set(f.f64(0)),
    f.for(i, f.i32(0), C, [mu.set(m.f64.add(mu.get(), xi()))]),
    mu.set(m.f64.div(mu.get(), cf())),
    sq.set(f.f64(0)),
    f.for(i, f.i32(0), C, [d.set(m.f64.sub(xi(), mu.get())), sq.set(m.f64.add(sq.get(), m.f64.mul(d.get(), d.get())))]),
    inv.set(m.f64.div(f.f64(1), m.f64.sqrt(m.f64.add(m.f64.div(sq.get(), cf()), f.f64(epsilon))))),
    f.for(i, f.i32(0), C, [f.storeF(y, f.add(base.get(), i.get()), normalized(xi(), mu.get(), inv.get()))]),
  ];
  const fixed = last.h === 0 && last.w === 0 && last.hw === 0;
  if (env.isa === "mvp" || !fixed) {
    return { spec: `layer_norm_${shapeSpec(xs)}${bias ? "" : "_nobias"}`, body: [f.for(g, f.i32(0), G, row())] };
  }
  // A block of ROWS rows from row g: element i of row r is at p + r * C floats, p = x + (g*C + i) * 4.
  const Cs = last.c;
  const p = f.i32Local();
  const [sums, mus, invs] = [0, 1, 2].map(() => Array.from({ length: ROWS / 2 }, () => f.local(f.b.v128)));
  const [q, lo, hi, dv] = [0, 1, 2, 3].map(() => f.local(f.b.v128));
  const gathered = (quad: number): Ex =>
    [1, 2, 3].reduce(
      (acc, r) => m.v128.load32_lane(4 * Cs * (4 * quad + r), 4, r, p.get(), acc),
      m.v128.load32_zero(4 * Cs * 4 * quad, 4, p.get()),
    );
  // For each element i, the rows' values as f64 pairs: pair(k) holds rows 2k and 2k + 1.
  const gatherPass = (update: (k: number, pair: Ex) => Ex): Ex =>
    f.for(i, f.i32(0), C, [
      p.set(f.addr(x, f.add(m.i32.mul(g.get(), C()), i.get()))),
      ...[0, 1].flatMap((quad) => [
        q.set(gathered(quad)),
        update(2 * quad, v.promote_low_f32x4(q.get())),
        update(2 * quad + 1, promoteHigh(f, q)),
      ]),
    ]);
  const splat = (value: number) => v.splat(f.f64(value));
  const pairValue = (a: typeof scale, per: boolean, h: number): Ex =>
    per ? v.promote_low_f32x4(m.v128.load64_zero(8 * h, 4, f.addr(a, i.get()))) : v.splat(f.loadF(a, f.i32(0)));
  const [muR, invR] = [f.local(f.b.v128), f.local(f.b.v128)];
  // The block's means (rows 0-7) and inverse deviations (8-15), so that one loop serves its rows.
  const stats = env.scratch({ c: 2 * ROWS, h: 0, w: 0, hw: 0 });
  const r = f.i32Local();
  // Row g + r of the block, four channels a step, then one by one.
  const normalizeRow = (): Ex[] => {
    const stat = (k: number) => f.add(r.get(), f.i32(k * ROWS));
    const splatStat = (k: number) => m.v128.load64_splat(0, 8, f.addr(stats, stat(k)));
    const half = (h: number, value: Ex) =>
      v.add(
        v.mul(v.mul(v.sub(value, muR.get()), invR.get()), pairValue(scale, sPer, h)),
        bias ? pairValue(bias, bPer, h) : splat(0),
      );
    const at = () => f.add(base.get(), i.get());
    return [
      base.set(m.i32.mul(f.add(g.get(), r.get()), C())),
      muR.set(splatStat(0)),
      invR.set(splatStat(1)),
      f.for(
        i,
        f.i32(0),
        () => f.i32(Cs - 3),
        [
          q.set(m.v128.load(0, 4, f.addr(x, at()))),
          lo.set(half(0, v.promote_low_f32x4(q.get()))),
          hi.set(half(1, promoteHigh(f, q))),
          m.v128.store(
            0,
            4,
            f.addr(y, at()),
            joinLow(f, m.f32x4.demote_f64x2_zero(lo.get()), m.f32x4.demote_f64x2_zero(hi.get())),
          ),
        ],
        4,
      ),
      f.for(i, i.get(), C, [f.storeF(y, at(), normalized(xi(), f.load(stats, stat(0)), f.load(stats, stat(1))))]),
    ];
  };
  const block: Ex[] = [
    ...sums.map((s) => s.set(splat(0))),
    gatherPass((k, pair) => sums[k].set(v.add(sums[k].get(), pair))),
    ...mus.map((l, k) => l.set(v.div(sums[k].get(), v.splat(cf())))),
    ...sums.map((s) => s.set(splat(0))),
    gatherPass((k, pair) =>
      f.seq([dv.set(v.sub(pair, mus[k].get())), sums[k].set(v.add(sums[k].get(), v.mul(dv.get(), dv.get())))]),
    ),
    ...invs.map((l, k) => l.set(v.div(splat(1), v.sqrt(v.add(v.div(sums[k].get(), v.splat(cf())), splat(epsilon)))))),
    ...[mus, invs].flatMap((ls, k) =>
      ls.map((l, pair) => m.v128.store(16 * pair, 8, f.addr(stats, f.i32(k * ROWS)), l.get())),
    ),
    f.for(r, f.i32(0), () => f.i32(ROWS), normalizeRow()),
  ];
  return {
    spec: `layer_norm_${shapeSpec(xs)}${bias ? "" : "_nobias"}_simd`,
    body: [f.for(g, f.i32(0), () => m.i32.sub(G(), f.i32(ROWS - 1)), block, ROWS), f.for(g, g.get(), G, row())],
  };
};

export default layerNorm;
