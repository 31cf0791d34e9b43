import { sameDim, shapeText } from "../../shared/sym.js";
import { binaryKernel } from "./support/elementwise.js";
import type { WasmKernelGenerator } from "./types.js";

// v < 0 ? s * v : v, v kept in a local (its load is one expression, read three times). The float32
// multiply is the js target's double product rounded at the store: the product of two float32
// values is exact in double. select evaluates both values, then the condition: the tee comes first.
const prelu = binaryKernel("prelu", {
  f32: (f, v, s) => {
    const t = f.local(f.b.f32);
    return f.m.select(f.m.f32.lt(t.get(), f.m.f32.const(0)), f.m.f32.mul(s, t.tee(v)), t.get());
  },
  f32x4: (f, v, s) => {
    const t = f.local(f.b.v128);
    const zero = f.m.f32x4.splat(f.m.f32.const(0));
    return f.m.v128.bitselect(f.m.f32x4.mul(s, t.tee(v)), t.get(), f.m.f32x4.lt(t.get(), zero));
  },
});

/** The slope broadcasts to X's shape, never X to the slope's: [C, 1, 1], one value, or X's shape. */
const checked: WasmKernelGenerator = (env) => {
  const xs = env.inputShape(0);
  const ys = env.outputShape(0);
  if (ys.length !== xs.length || ys.some((d, k) => !sameDim(d, xs[k]))) {
    throw env.error(`slope of shape ${shapeText(env.inputShape(1))} does not broadcast to X's shape ${shapeText(xs)}`);
  }
  return prelu(env);
};

export default checked;
