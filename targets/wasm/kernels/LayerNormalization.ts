import { shapeSpec } from "../../shared/broadcast.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * Normalization over the last axis, statistics in f64 and two passes, in the js target's order of
 * operations (so results are bit-identical). Scale and bias hold one value per channel, or one in all.
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
  const C = env.dim(xs[rank - 1]);
  const G = env.count(xs.slice(0, -1));
  const perChannel = (i: number) => {
    const s = env.inputShape(i);
    return s.length > 0 && env.staticDim(s[s.length - 1], "the scale/bias length") !== 1;
  };
  const sPer = perChannel(1);
  const bPer = bias ? perChannel(2) : false;
  const f = env.fn;
  const m = f.m;
  const [g, i, base] = [0, 1, 2].map(() => f.i32Local());
  const [mu, sq, d, inv] = [0, 1, 2, 3].map(() => f.f64Local());
  const xi = () => f.loadF(x, f.add(base.get(), i.get()));
  const cf = () => m.f64.convert_s.i32(C());
  return {
    spec: `layer_norm_${shapeSpec(xs)}${bias ? "" : "_nobias"}`,
    body: [
      f.for(g, f.i32(0), G, [
        base.set(m.i32.mul(g.get(), C())),
        mu.set(f.f64(0)),
        f.for(i, f.i32(0), C, [mu.set(m.f64.add(mu.get(), xi()))]),
        mu.set(m.f64.div(mu.get(), cf())),
        sq.set(f.f64(0)),
        f.for(i, f.i32(0), C, [
          d.set(m.f64.sub(xi(), mu.get())),
          sq.set(m.f64.add(sq.get(), m.f64.mul(d.get(), d.get()))),
        ]),
        inv.set(m.f64.div(f.f64(1), m.f64.sqrt(m.f64.add(m.f64.div(sq.get(), cf()), f.f64(epsilon))))),
        f.for(i, f.i32(0), C, [
          f.storeF(
            y,
            f.add(base.get(), i.get()),
            m.f64.add(
              m.f64.mul(m.f64.mul(m.f64.sub(xi(), mu.get()), inv.get()), f.loadF(scale, sPer ? i.get() : f.i32(0))),
              bias ? f.loadF(bias, bPer ? i.get() : f.i32(0)) : f.f64(0),
            ),
          ),
        ]),
      ]),
    ],
  };
};

export default layerNorm;
