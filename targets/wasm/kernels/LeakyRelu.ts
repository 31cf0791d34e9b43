import { inF64Pairs } from "./support/f64-pairs.js";
import { lanewiseKernel } from "./support/lanewise.js";

/** v < 0 ? alpha * v : v, the product in f64 as the js target forms it (alpha need not be a float32). */
export default lanewiseKernel("leaky_relu", (env) => {
  const alpha = env.scalar(env.float("alpha", 0.01));
  const f = env.fn;
  const m = f.m;
  const t = f.f64Local();
  return {
    f64: (v) =>
      m.block(null, [t.set(v), m.select(m.f64.lt(t.get(), f.f64(0)), m.f64.mul(alpha(), t.get()), t.get())], f.b.f64),
    f32x4: (v) =>
      m.v128.bitselect(
        inF64Pairs(f, v, (pair) => m.f64x2.mul(m.f64x2.splat(alpha()), pair())),
        v.get(),
        m.f32x4.lt(v.get(), m.f32x4.splat(m.f32.const(0))),
      ),
  };
});
