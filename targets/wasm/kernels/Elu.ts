import { unaryKernel } from "./support/elementwise.js";

/** ONNX Elu: alpha (e^x - 1) below 0, in f64 through the module's qexpm1, rounded once on the store (the js target's). */
export default unaryKernel("elu", (env, v) => {
  const f = env.fn;
  const m = f.m;
  const alpha = env.scalar(env.float("alpha", 1));
  const t = f.f64Local();
  return m.block(
    null,
    [t.set(v), m.if(m.f64.lt(t.get(), f.f64(0)), m.f64.mul(alpha(), env.math("qexpm1", t.get())), t.get())],
    f.b.f64,
  );
});
