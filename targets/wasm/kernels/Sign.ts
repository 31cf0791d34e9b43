import { lanewiseKernel } from "./support/lanewise.js";

/** 1 above 0, -1 below, else x itself (so -0 and NaN pass through, as Math.sign gives them). */
export default lanewiseKernel("sign", (env) => {
  const f = env.fn;
  const m = f.m;
  const t = f.f64Local();
  const splat = (c: number) => m.f32x4.splat(m.f32.const(c));
  const zero = () => splat(0);
  return {
    f64: (v) =>
      m.block(
        null,
        [
          t.set(v),
          m.select(m.f64.gt(t.get(), f.f64(0)), f.f64(1), m.select(m.f64.lt(t.get(), f.f64(0)), f.f64(-1), t.get())),
        ],
        f.b.f64,
      ),
    f32x4: (v) =>
      m.v128.bitselect(
        splat(1),
        m.v128.bitselect(splat(-1), v.get(), m.f32x4.lt(v.get(), zero())),
        m.f32x4.gt(v.get(), zero()),
      ),
  };
});
