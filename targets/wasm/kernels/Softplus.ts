import { unaryKernel } from "./support/elementwise.js";
import { softplusF32x4 } from "./support/vector-softplus.js";

/** ONNX Softplus: the module's qsoftplus (fdlibm) of each element rounded to float32; with SIMD four lanes a vector (softplusF32x4). */
export default unaryKernel("softplus", (env, v) => env.math("qsoftplus", v), {
  inline: (f, xs, outs) => xs.map((x, i) => outs[i].set(softplusF32x4(f, x.get()))),
});
