import { unaryKernel } from "./support/elementwise.js";

/** 0.5 * v * (1 + erf(v / sqrt 2)), or the tanh form, in the js target's order of operations. */
export default unaryKernel("gelu", (env, v) => {
  const approximate = env.string("approximate", "none");
  if (approximate !== "none" && approximate !== "tanh") {
    throw env.error(`attribute 'approximate' is '${approximate}', expected 'none' or 'tanh'`);
  }
  const f = env.fn;
  const m = f.m;
  const x = f.f64Local();
  const inner =
    approximate === "tanh"
      ? env.math(
          "qtanh",
          m.f64.mul(
            f.f64(Math.sqrt(2 / Math.PI)),
            m.f64.add(x.get(), m.f64.mul(m.f64.mul(m.f64.mul(f.f64(0.044715), x.get()), x.get()), x.get())),
          ),
        )
      : env.math("qerf", m.f64.div(x.get(), f.f64(Math.SQRT2)));
  return m.block(null, [x.set(v), m.f64.mul(m.f64.mul(f.f64(0.5), x.get()), m.f64.add(f.f64(1), inner))], f.b.f64);
});
