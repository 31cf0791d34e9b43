import { unaryKernel } from "./support/elementwise.js";

/** ONNX Mish: x * qtanh(qsoftplus(x)) in f64 with the module's fdlibm routines, as the js target computes it. */
export default unaryKernel("mish", (env, v) => {
  const f = env.fn;
  const m = f.m;
  const t = f.f64Local();
  return m.block(null, [t.set(v), m.f64.mul(t.get(), env.math("qtanh", env.math("qsoftplus", t.get())))], f.b.f64);
});
