import { inF64Pairs } from "./support/f64-pairs.js";
import { lanewiseKernel } from "./support/lanewise.js";

/** x / (1 + |x|) in f64 as the js target forms it, rounded once on the store. */
export default lanewiseKernel("softsign", (env) => {
  const f = env.fn;
  const m = f.m;
  const t = f.f64Local();
  return {
    f64: (v) => m.block(null, [t.set(v), m.f64.div(t.get(), m.f64.add(f.f64(1), m.f64.abs(t.get())))], f.b.f64),
    f32x4: (v) =>
      inF64Pairs(f, v, (pair) => m.f64x2.div(pair(), m.f64x2.add(m.f64x2.splat(f.f64(1)), m.f64x2.abs(pair())))),
  };
});
