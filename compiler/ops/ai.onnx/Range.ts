import { Tensor } from "../../ir/tensor.js";
import { defineOp, type OpContext } from "../define.js";
import { sameDType } from "../support/elementwise.js";

const NAMES = ["start", "limit", "delta"];

function scalars(inputs: readonly (Tensor | undefined)[], ctx: OpContext): [number, number, number] {
  const v = inputs.map((t, i) => {
    if (!t) throw ctx.error(`missing input '${NAMES[i]}'`);
    if (t.size !== 1) throw ctx.error(`input '${NAMES[i]}' has shape [${t.shape}], expected a scalar`);
    return t.item();
  });
  return [v[0], v[1], v[2]];
}

function count(start: number, limit: number, delta: number, ctx: OpContext): number {
  if (delta === 0) throw ctx.error("input 'delta' is 0, so the range never ends");
  return Math.max(Math.ceil((limit - start) / delta), 0);
}

export default defineOp({
  type: "Range",
  since: 11,
  inputs: [3, 3],
  shape: (inputs, ctx) => {
    const dtype = sameDType(inputs, ctx);
    const known = [ctx.constant(0), ctx.constant(1), ctx.constant(2)];
    if (known.every((t) => t !== undefined)) {
      const [start, limit, delta] = scalars(known, ctx);
      return [{ dtype, shape: [count(start, limit, delta, ctx)] }];
    }
    return [{ dtype, shape: [null] }];
  },
  evaluate: (inputs, ctx) => {
    const dtype = sameDType(inputs, ctx) ?? "float32";
    const [start, limit, delta] = scalars(inputs, ctx);
    const n = count(start, limit, delta, ctx);
    return [
      Tensor.from(
        dtype,
        [n],
        Array.from({ length: n }, (_, i) => start + i * delta),
      ),
    ];
  },
});
