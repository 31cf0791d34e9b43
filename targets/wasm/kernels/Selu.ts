import { SELU_ALPHA, SELU_GAMMA } from "../../../compiler/ops/ai.onnx/Selu.js";
import { unaryKernel } from "./support/elementwise.js";

/** ONNX Selu: gamma (x <= 0 ? alpha (e^x - 1) : x) in f64 through qexpm1, rounded once on the store (the js target's). */
export default unaryKernel("selu", (env, v) => {
  const f = env.fn;
  const m = f.m;
  const alpha = env.scalar(env.float("alpha", SELU_ALPHA));
  const gamma = env.scalar(env.float("gamma", SELU_GAMMA));
  const t = f.f64Local();
  return m.block(
    null,
    [
      t.set(v),
      m.f64.mul(gamma(), m.if(m.f64.le(t.get(), f.f64(0)), m.f64.mul(alpha(), env.math("qexpm1", t.get())), t.get())),
    ],
    f.b.f64,
  );
});
