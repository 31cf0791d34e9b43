import { broadcastKernel } from "./support/elementwise.js";
import type { ArrayType, KernelGenerator } from "./types.js";

/** ONNX's code for bool in Cast's `to`: a bool travels in a Uint8Array like uint8, but casts as `x != 0`. */
const BOOL = 9;

const SHORT: Readonly<Record<ArrayType, string>> = {
  Float32Array: "f32",
  Int32Array: "i32",
  Int8Array: "i8",
  Uint8Array: "u8",
};

/**
 * ONNX Cast between the types kernels pass, where it is exact or defined for every value: anything to
 * float32 (a Float32Array store rounds an int32 to nearest even, as the reference does), anything to
 * bool (x != 0, NaN included), and bool, int8 and uint8 widened to int32. Float to integer types, whose
 * out-of-range results ONNX leaves open, are refused.
 */
const cast: KernelGenerator = (env) => {
  const from = env.inputType(0);
  const to = env.outputType(0);
  const toBool = to === "Uint8Array" && env.int("to") === BOOL;
  const widens = to === "Int32Array" && from !== "Float32Array";
  if (to !== "Float32Array" && !toBool && !widens) {
    throw env.error(
      `no kernel casts ${from} values to ${to}; expected a cast to float32 or bool, or an integer widening`,
    );
  }
  const name = `cast_${SHORT[from]}_to_${toBool ? "bool" : SHORT[to]}`;
  return broadcastKernel(name, [0], () => ({
    expr: (v) => (toBool ? `${v} !== 0 ? 1 : 0` : v),
    inputTypes: [from],
    outputType: to,
  }))(env);
};

export default cast;
