import { broadcastKernel } from "./support/elementwise.js";
import type { WasmKernelGenerator } from "./types.js";

/** ONNX's code for bool in Cast's `to`: a bool travels in u8 like uint8, but casts as `x != 0`. */
const BOOL = 9;

/**
 * ONNX Cast, the js target's cases: anything to float32 (f32.convert_i32_s rounds to nearest even, as
 * a Float32Array store does), anything to bool (x != 0, NaN included), bool, int8 and uint8 widened to
 * int32 (loaded as i32 already); float to integer types is refused.
 */
const cast: WasmKernelGenerator = (env) => {
  const from = env.inputElem(0);
  const to = env.outputElem(0);
  const toBool = to === "u8" && env.int("to") === BOOL;
  const widens = to === "i32" && from !== "f32";
  if (to !== "f32" && !toBool && !widens) {
    throw env.error(
      `no kernel casts ${from} values to ${to}; expected a cast to float32 or bool, or an integer widening`,
    );
  }
  const float = from === "f32";
  return broadcastKernel(`cast_${from}_to_${toBool ? "bool" : to}`, [0], {
    f32: (f, [v]) => {
      const m = f.m;
      if (toBool) return float ? m.f32.ne(v, m.f32.const(0)) : m.i32.ne(v, f.i32(0));
      if (to === "f32") return float ? v : m.f32.convert_s.i32(v);
      return v;
    },
    elems: { inputs: [from], output: to },
  })(env);
};

export default cast;
