import { instanceNormGeometry } from "../../shared/instance-norm-geometry.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * Normalization of each (image, channel) plane, the js target's two passes and order of operations in
 * f64, so results are bit-identical: (x - mean) * (scale * (1 / sqrt(var + epsilon))) + B.
 */
const instanceNorm: WasmKernelGenerator = (env) => {
  const { xs, C, spec } = instanceNormGeometry(env);
  const epsilon = env.scalar(env.float("epsilon", 1e-5));
  const x = env.input(0);
  const scale = env.input(1);
  const bias = env.input(2);
  const y = env.output(0);
  const size = env.count(xs.slice(2));
  const f = env.fn;
  const m = f.m;
  const d = m.f64;
  const [g, i, base, channel] = [0, 1, 2, 3].map(() => f.i32Local());
  const [mu, sq, dv, s, b] = [0, 1, 2, 3, 4].map(() => f.f64Local());
  const xi = () => f.loadF(x, f.add(base.get(), i.get()));
  const sizeF = () => d.convert_s.i32(size());
  return {
    spec,
    body: [
      f.for(g, f.i32(0), () => f.i32(env.staticDim(xs[0], "the batch") * C), [
        base.set(f.mul(g.get(), size())),
        mu.set(f.f64(0)),
        f.for(i, f.i32(0), size, [mu.set(d.add(mu.get(), xi()))]),
        mu.set(d.div(mu.get(), sizeF())),
        sq.set(f.f64(0)),
        f.for(i, f.i32(0), size, [dv.set(d.sub(xi(), mu.get())), sq.set(d.add(sq.get(), d.mul(dv.get(), dv.get())))]),
        channel.set(m.i32.rem_u(g.get(), f.i32(C))),
        s.set(
          d.mul(f.loadF(scale, channel.get()), d.div(f.f64(1), d.sqrt(d.add(d.div(sq.get(), sizeF()), epsilon())))),
        ),
        b.set(f.loadF(bias, channel.get())),
        f.for(i, f.i32(0), size, [
          f.storeF(y, f.add(base.get(), i.get()), d.add(d.mul(d.sub(xi(), mu.get()), s.get()), b.get())),
        ]),
      ]),
    ],
  };
};

export default instanceNorm;
