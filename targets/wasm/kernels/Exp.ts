import { unaryKernel } from "./support/elementwise.js";
import { expF32x4 } from "./support/vector-exp.js";

/** ONNX Exp: the module's fdlibm qexp of each element rounded to float32; with SIMD four lanes a vector (expF32x4). */
export default unaryKernel("exp", (env, v) => env.math("qexp", v), {
  inline: (f, xs, outs) => xs.map((x, i) => outs[i].set(expF32x4(f, x.get()))),
});
