import type { DType } from "../../ir/dtype.js";
import { defineOp, type OpDef } from "../define.js";
import { broadcastShapeRule, mapBroadcast, sameDType } from "./elementwise.js";

/** A broadcasting comparison or logical op: two same-typed inputs, a bool output. */
export function predicateOp(
  type: string,
  since: number,
  f: (a: number, b: number) => boolean,
  options: { readonly boolOnly?: boolean } = {},
): OpDef {
  const check = (dtype: DType | undefined, error: (what: string) => Error) => {
    if (options.boolOnly && dtype && dtype !== "bool") throw error(`inputs are ${dtype}, expected bool`);
  };
  return defineOp({
    type,
    since,
    inputs: [2, 2],
    shape: (inputs, ctx) => {
      check(sameDType(inputs, ctx), (w) => ctx.error(w));
      return [broadcastShapeRule(inputs, ctx, "bool")];
    },
    evaluate: ([a, b], ctx) => {
      if (!a || !b) throw ctx.error("missing input");
      check(sameDType([a, b], ctx), (w) => ctx.error(w));
      return [mapBroadcast([a, b], "bool", (x, y) => (f(x, y) ? 1 : 0), ctx)];
    },
  });
}
