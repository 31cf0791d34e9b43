import type { DType } from "../../ir/dtype.js";
import { Tensor } from "../../ir/tensor.js";
import { defineOp, type OpContext, type OpDef } from "../define.js";
import { broadcastIndexer, broadcastShapes } from "./broadcast.js";
import { broadcastShapeRule, mapBroadcast, sameDType } from "./elementwise.js";

export interface PredicateOptions {
  /** Logical ops: the inputs must be bool. */
  readonly boolOnly?: boolean;
  /** The same test on string inputs, for ops whose type constraint admits strings (Equal). */
  readonly strings?: (a: string, b: string) => boolean;
}

/** A broadcasting comparison or logical op: two same-typed inputs, a bool output. */
export function predicateOp(
  type: string,
  since: number,
  f: (a: number, b: number) => boolean,
  options: PredicateOptions = {},
): OpDef {
  const check = (dtype: DType | undefined, ctx: OpContext) => {
    if (options.boolOnly && dtype && dtype !== "bool") throw ctx.error(`inputs are ${dtype}, expected bool`);
    if (dtype === "string" && !options.strings) throw ctx.error("inputs are string, expected numbers");
  };
  return defineOp({
    type,
    since,
    inputs: [2, 2],
    shape: (inputs, ctx) => {
      check(sameDType(inputs, ctx), ctx);
      return [broadcastShapeRule(inputs, ctx, "bool")];
    },
    evaluate: ([a, b], ctx) => {
      if (!a || !b) throw ctx.error("missing input");
      const dtype = sameDType([a, b], ctx);
      check(dtype, ctx);
      if (dtype === "string" && options.strings) return [compareStrings(a, b, options.strings, ctx)];
      return [mapBroadcast([a, b], "bool", (x, y) => (f(x, y) ? 1 : 0), ctx)];
    },
  });
}

function compareStrings(a: Tensor, b: Tensor, f: (a: string, b: string) => boolean, ctx: OpContext): Tensor {
  const shape = broadcastShapes([a.shape, b.shape]);
  if (!shape) throw ctx.error(`input shapes [${a.shape}], [${b.shape}] do not broadcast`);
  const out = Tensor.zeros("bool", shape);
  const o = out.values;
  const [ia, ib] = [broadcastIndexer(a.shape, shape), broadcastIndexer(b.shape, shape)];
  const [sa, sb] = [a.data as string[], b.data as string[]];
  for (let i = 0; i < o.length; i++) o[i] = f(sa[ia(i)], sb[ib(i)]) ? 1 : 0;
  return out;
}
