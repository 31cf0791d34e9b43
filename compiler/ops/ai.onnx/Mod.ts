import { isFloat, isInteger } from "../../ir/dtype.js";
import { defineOp } from "../define.js";
import { broadcastShapeRule, mapBroadcast, sameDType } from "../support/elementwise.js";

/**
 * a mod b with numpy broadcasting. fmod=0 (integers only): the remainder takes the divisor's sign,
 * as Python's %, which is how exports compute padding to a multiple ((m - h % m) % m); fmod=1: the
 * dividend's sign, as C's fmod (JavaScript's %, exact for floats). A zero divisor gives 0 for
 * integers (undefined in ONNX) and NaN for floats, as fmod does.
 */
export default defineOp({
  type: "Mod",
  since: 10,
  inputs: [2, 2],
  shape: (inputs, ctx) => [broadcastShapeRule(inputs, ctx)],
  evaluate: ([a, b], ctx) => {
    if (!a || !b) throw ctx.error("missing input");
    const dtype = sameDType([a, b], ctx) ?? a.dtype;
    const fmod = ctx.attrs.int("fmod", 0) === 1;
    if (isFloat(dtype) && !fmod) throw ctx.error(`inputs are ${dtype}; a floating-point Mod needs fmod=1`);
    const integer = isInteger(dtype);
    const mod = (x: number, y: number): number => {
      if (integer && y === 0) return 0;
      const r = x % y;
      return !fmod && r !== 0 && r < 0 !== y < 0 ? r + y : r;
    };
    return [mapBroadcast([a, b], dtype, mod, ctx)];
  },
});
