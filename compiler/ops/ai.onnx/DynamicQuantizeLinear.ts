import { Tensor } from "../../ir/tensor.js";
import { quantizeLinear } from "../../quant/linear.js";
import { roundHalfEven } from "../../quant/rounding.js";
import { defineOp } from "../define.js";

export default defineOp({
  type: "DynamicQuantizeLinear",
  since: 11,
  inputs: [1, 1],
  shape: ([x]) => [
    { dtype: "uint8", shape: x?.shape },
    { dtype: "float32", shape: [] },
    { dtype: "uint8", shape: [] },
  ],
  evaluate: ([x], ctx) => {
    if (!x) throw ctx.error("missing input");
    if (x.dtype !== "float32") throw ctx.error(`input is ${x.dtype}, expected float32`);
    const v = x.values;
    // The range always includes 0 so that 0 is exactly representable.
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < v.length; i++) {
      if (v[i] < lo) lo = v[i];
      if (v[i] > hi) hi = v[i];
    }
    const scale = Math.fround(Math.fround(hi - lo) / 255);
    const y = new Uint8Array(v.length);
    // An all-zero input has no range: every value (and the zero point) quantizes to 0.
    if (scale === 0) return [new Tensor("uint8", x.shape, y), Tensor.scalar("float32", 0), Tensor.scalar("uint8", 0)];
    const zpFloat = Math.fround(0 - Math.fround(lo / scale));
    const zeroPoint = roundHalfEven(Math.min(255, Math.max(0, zpFloat)));
    quantizeLinear({
      x: v,
      scale: new Float32Array([scale]),
      zeroPoint: new Uint8Array([zeroPoint]),
      index: () => 0,
      out: y,
      outType: "uint8",
      precision: "float32",
    });
    return [new Tensor("uint8", x.shape, y), Tensor.scalar("float32", scale), Tensor.scalar("uint8", zeroPoint)];
  },
});
