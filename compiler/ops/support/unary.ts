import { allocate, isFloat, type NumericArray } from "../../ir/dtype.js";
import { Tensor } from "../../ir/tensor.js";
import { defineOp, type OpContext, type OpDef } from "../define.js";

/** An op y = f(x) over every element, keeping shape and type. */
export function unaryOp(
  type: string,
  since: number,
  f: (x: number) => number,
  options: { readonly floatOnly?: boolean } = {},
): OpDef {
  return mapOp(type, since, options.floatOnly === true, () => f);
}

/**
 * An elementwise op on floating tensors whose function depends on the node's attributes
 * (alpha, beta, ...): `make` reads them once per evaluation and returns y = f(x).
 */
export function floatUnaryOp(type: string, since: number, make: (ctx: OpContext) => (x: number) => number): OpDef {
  return mapOp(type, since, true, make);
}

function mapOp(
  type: string,
  since: number,
  floatOnly: boolean,
  make: (ctx: OpContext) => (x: number) => number,
): OpDef {
  return defineOp({
    type,
    since,
    inputs: [1, 1],
    shape: ([x]) => [{ dtype: x?.dtype, shape: x?.shape }],
    evaluate: ([x], ctx) => {
      if (!x) throw ctx.error("missing input");
      if (floatOnly && !isFloat(x.dtype)) throw ctx.error(`input is ${x.dtype}, expected a floating type`);
      const f = make(ctx);
      const out = allocate(x.dtype, x.size) as NumericArray;
      const v = x.values;
      for (let i = 0; i < v.length; i++) out[i] = f(v[i]);
      return [new Tensor(x.dtype, x.shape, out)];
    },
  });
}
