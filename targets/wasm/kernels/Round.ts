import { lanewiseKernel } from "./support/lanewise.js";

// IEEE roundTiesToEven, ONNX Round's rule, keeping the sign of a zero result as the reference does.
export default lanewiseKernel("round", (env) => ({
  f64: (v) => env.fn.m.f64.nearest(v),
  f32x4: (v) => env.fn.m.f32x4.nearest(v.get()),
}));
