import type { DType } from "../../ir/dtype.js";
import type { Dim, TypeInfo } from "../../ir/graph.js";
import type { Tensor } from "../../ir/tensor.js";
import { defineOp, type OpContext, type OpDef } from "../define.js";
import { broadcastShapeRule, mapBroadcast, sameDType } from "./elementwise.js";

/**
 * Before opset 7, binary arithmetic broadcast only when `broadcast=1`, and then aligned B with A at
 * `axis` (default: B's dims are A's trailing dims). Padding B with trailing ones turns that into the
 * numpy broadcast used from opset 7 on.
 */
function legacyAlignment(aRank: number, bRank: number, ctx: OpContext): number {
  if (ctx.opset >= 7 || ctx.attrs.int("broadcast", 0) === 0) return 0;
  const axis = ctx.attrs.int("axis", aRank - bRank);
  const start = axis < 0 ? axis + aRank : axis;
  if (start < 0 || start + bRank > aRank) {
    throw ctx.error(`attribute 'axis' is ${axis}, which does not place B's ${bRank} dims inside A's ${aRank}`);
  }
  return aRank - bRank - start;
}

function padTrailing<T>(dims: readonly T[], n: number, one: T): T[] {
  return [...dims, ...new Array<T>(n).fill(one)];
}

/** Sub, Mul, Div, ...: one element type, numpy broadcasting (legacy `broadcast`/`axis` before opset 7). */
export function arithmeticOp(type: string, f: (a: number, b: number, dtype: DType) => number): OpDef {
  return defineOp({
    type,
    since: 6,
    inputs: [2, 2],
    shape: ([a, b], ctx) => {
      if (a?.shape && b?.shape) {
        const pad = legacyAlignment(a.shape.length, b.shape.length, ctx);
        const bAligned: TypeInfo = { dtype: b.dtype, shape: padTrailing<Dim>(b.shape, pad, 1) };
        return [broadcastShapeRule([a, bAligned], ctx)];
      }
      return [broadcastShapeRule([a, b], ctx)];
    },
    evaluate: ([a, b], ctx) => {
      if (!a || !b) throw ctx.error("missing input");
      const dtype = sameDType([a, b], ctx) ?? a.dtype;
      const pad = legacyAlignment(a.rank, b.rank, ctx);
      const bAligned: Tensor = pad ? b.reshape(padTrailing(b.shape, pad, 1)) : b;
      return [mapBroadcast([a, bAligned], dtype, (x, y) => f(x, y, dtype), ctx)];
    },
  });
}
