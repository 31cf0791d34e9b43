import type { DType } from "../../ir/dtype.js";
import { defineOp, type OpDef } from "../define.js";
import { broadcastShapeRule, mapBroadcast, sameDType } from "./elementwise.js";

/**
 * Min, Max, Sum, Mean: any number of same-typed inputs, broadcast together, folded pairwise from
 * the left (the order in which float rounding happens in the ONNX reference).
 */
export function variadicOp(
  type: string,
  fold: (acc: number, x: number, dtype: DType) => number,
  finish: (acc: number, count: number, dtype: DType) => number = (acc) => acc,
): OpDef {
  return defineOp({
    type,
    since: 6,
    inputs: [1, Number.POSITIVE_INFINITY],
    shape: (inputs, ctx) => [broadcastShapeRule(inputs, ctx)],
    evaluate: (inputs, ctx) => {
      const given = inputs.filter((t) => t !== undefined);
      if (given.length !== inputs.length) throw ctx.error("an input is omitted; every input is required");
      const dtype = sameDType(given, ctx) ?? given[0].dtype;
      const n = given.length;
      return [
        mapBroadcast(
          given,
          dtype,
          (...xs) => {
            let acc = xs[0];
            for (let k = 1; k < n; k++) acc = fold(acc, xs[k], dtype);
            return finish(acc, n, dtype);
          },
          ctx,
        ),
      ];
    },
  });
}
