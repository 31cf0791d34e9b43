import type { Ex } from "../binaryen.js";
import type { Fn } from "../dsl.js";
import { binaryKernel } from "./support/elementwise.js";
import type { WasmKernelGenerator } from "./types.js";

/** `square` of `a` through a local of type `type`, since a binaryen node is used once. */
function squared(f: Fn, type: number, a: Ex, square: (v: Ex, w: Ex) => Ex): Ex {
  const v = f.local(type);
  return f.m.block(null, [v.set(a), square(v.get(), v.get())], type);
}

/**
 * Squaring (the common case: variance, GELU-tanh graphs) as the js target computes it, a * a: the
 * f64 product of two float32 values is exact, so one float32 multiply gives its float32 rounding.
 * Any other power is the host's Math.pow on the js target, which engines compute differently (V8's
 * differs from C's pow on about 9% of random arguments): no module function reproduces it bit for
 * bit everywhere, so the wasm targets refuse it rather than disagree.
 */
const pow: WasmKernelGenerator = (env) => {
  const exponent = env.constant(1);
  if (exponent?.length !== 1 || exponent[0] !== 2) {
    const what = exponent ? `the exponent ${exponent.length === 1 ? exponent[0] : "tensor"}` : "a computed exponent";
    throw env.error(`Pow with ${what}: the wasm targets compute only squares (a constant exponent 2)`);
  }
  return binaryKernel("pow_sq", {
    f32: (f, a) => squared(f, f.b.f32, a, (v, w) => f.m.f32.mul(v, w)),
    f32x4: (f, a) => squared(f, f.b.v128, a, (v, w) => f.m.f32x4.mul(v, w)),
  })(env);
};

export default pow;
