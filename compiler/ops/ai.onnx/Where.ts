import { defineOp } from "../define.js";
import { broadcastDims } from "../support/broadcast.js";
import { mapBroadcast, sameDType } from "../support/elementwise.js";

export default defineOp({
  type: "Where",
  since: 9,
  inputs: [3, 3],
  shape: ([cond, x, y], ctx) => {
    const dtype = sameDType([x, y], ctx);
    if (!cond?.shape || !x?.shape || !y?.shape) return [{ dtype }];
    const shape = broadcastDims([cond.shape, x.shape, y.shape]);
    if (!shape) throw ctx.error(`input shapes [${cond.shape}], [${x.shape}], [${y.shape}] do not broadcast`);
    return [{ dtype, shape }];
  },
  evaluate: ([cond, x, y], ctx) => {
    if (!cond || !x || !y) throw ctx.error("missing input");
    if (cond.dtype !== "bool") throw ctx.error(`condition is ${cond.dtype}, expected bool`);
    const dtype = sameDType([x, y], ctx) ?? x.dtype;
    return [mapBroadcast([cond, x, y], dtype, (c, a, b) => (c ? a : b), ctx)];
  },
});
