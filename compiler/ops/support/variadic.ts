import { isFloat } from "../../ir/dtype.js";
import { roundToFloatType } from "../../quant/linear.js";
import { defineOp, type OpDef } from "../define.js";
import { broadcastShapeRule, mapBroadcast, sameDType } from "./elementwise.js";

/**
 * Min, Max, Sum, Mean: any number of same-typed inputs, broadcast together, folded pairwise from
 * the left with each partial result rounded to the element type, as the type's own arithmetic would.
 */
export function variadicOp(
  type: string,
  fold: (acc: number, x: number) => number,
  options: {
    /** Turns the folded value into the result (Mean divides by the count). */
    readonly finish?: (acc: number, count: number) => number;
    readonly floatOnly?: boolean;
  } = {},
): OpDef {
  const finish = options.finish ?? ((acc) => acc);
  return defineOp({
    type,
    since: 6,
    inputs: [1, Number.POSITIVE_INFINITY],
    shape: (inputs, ctx) => [broadcastShapeRule(inputs, ctx)],
    evaluate: (inputs, ctx) => {
      const given = inputs.filter((t) => t !== undefined);
      if (given.length !== inputs.length) throw ctx.error("an input is omitted; every input is required");
      const dtype = sameDType(given, ctx) ?? given[0].dtype;
      if (options.floatOnly && !isFloat(dtype)) throw ctx.error(`inputs are ${dtype}, expected a floating type`);
      const n = given.length;
      return [
        mapBroadcast(
          given,
          dtype,
          (...xs) => {
            let acc = xs[0];
            for (let k = 1; k < n; k++) acc = roundToFloatType(dtype, fold(acc, xs[k]));
            return finish(acc, n);
          },
          ctx,
        ),
      ];
    },
  });
}
