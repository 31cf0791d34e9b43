import { defineOp } from "../define.js";
import { broadcastShapeRule, mapBroadcast } from "../support/elementwise.js";

/** C's pow, which differs from Math.pow where the base is 1 or -1 and the exponent NaN or infinite. */
function pow(x: number, y: number): number {
  if (x === 1 || (x === -1 && !Number.isFinite(y) && !Number.isNaN(y))) return 1;
  return x ** y;
}

// Base and exponent may have different element types (T and T1); the result has the base's.
export default defineOp({
  type: "Pow",
  since: 7,
  inputs: [2, 2],
  shape: (inputs, ctx) => [broadcastShapeRule(inputs, ctx, inputs[0]?.dtype)],
  evaluate: ([x, y], ctx) => {
    if (!x || !y) throw ctx.error("missing input");
    return [mapBroadcast([x, y], x.dtype, pow, ctx)];
  },
});
