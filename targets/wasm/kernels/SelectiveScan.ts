import { shapeSpec } from "../../shared/broadcast.js";
import { scanOperands } from "./support/scan-operands.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * The float selective scan (QMAMBAIR.md section 1) for u, delta (B, G*E, L); A (G*E, N); B, C
 * (B, G, N, L); D, delta_bias (G*E): the js target's loop, state in f64 scratch and the module's
 * fdlibm exp, so results are bit-identical to the js artifacts.
 */
const selectiveScan: WasmKernelGenerator = (env) => {
  const { batch, GE, G, N, E, us, bs, softplus, u, delta, A, Bm, Cm, D, bias, y, L } = scanOperands(env);
  const NL = env.count([bs[2], us[2]]);
  const h = env.scratch({ c: N, h: 0, w: 0, hw: 0 });
  const f = env.fn;
  const m = f.m;
  const [b, d, n, t, row, bc, bcn] = Array.from({ length: 7 }, () => f.i32Local());
  const [db, skip, raw, dt, xv, acc, hn] = Array.from({ length: 7 }, () => f.f64Local());
  return {
    spec: `selective_scan_g${G}_e${E}_n${N}_${shapeSpec(us)}${softplus ? "" : "_nosoftplus"}`,
    body: [
      f.for(b, f.i32(0), () => f.i32(batch), [
        f.for(d, f.i32(0), () => f.i32(GE), [
          row.set(m.i32.mul(f.add(f.mul(b.get(), f.i32(GE)), d.get()), L())),
          bc.set(m.i32.mul(f.add(f.mul(b.get(), f.i32(G)), m.i32.div_s(d.get(), f.i32(E))), NL())),
          db.set(bias ? f.loadF(bias, d.get()) : f.f64(0)),
          skip.set(D ? f.loadF(D, d.get()) : f.f64(0)),
          f.for(n, f.i32(0), () => f.i32(N), [f.store(h, n.get(), f.f64(0))]),
          f.for(t, f.i32(0), L, [
            raw.set(f.f32(m.f64.add(f.loadF(delta, f.add(row.get(), t.get())), db.get()))),
            dt.set(
              softplus
                ? m.select(m.f64.gt(raw.get(), f.f64(20)), raw.get(), env.math("qlog1p", env.math("qexp", raw.get())))
                : raw.get(),
            ),
            xv.set(f.loadF(u, f.add(row.get(), t.get()))),
            acc.set(f.f64(0)),
            f.for(n, f.i32(0), () => f.i32(N), [
              bcn.set(f.add(bc.get(), m.i32.mul(n.get(), L()), t.get())),
              hn.set(
                m.f64.add(
                  m.f64.mul(
                    env.math("qexp", m.f64.mul(dt.get(), f.loadF(A, f.add(f.mul(d.get(), f.i32(N)), n.get())))),
                    f.load(h, n.get()),
                  ),
                  m.f64.mul(m.f64.mul(dt.get(), f.loadF(Bm, bcn.get())), xv.get()),
                ),
              ),
              f.store(h, n.get(), hn.get()),
              acc.set(m.f64.add(acc.get(), m.f64.mul(f.loadF(Cm, bcn.get()), hn.get()))),
            ]),
            f.storeF(y, f.add(row.get(), t.get()), m.f64.add(acc.get(), m.f64.mul(skip.get(), xv.get()))),
          ]),
        ]),
      ]),
    ],
  };
};

export default selectiveScan;
