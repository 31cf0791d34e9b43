import { type DType, isFloat } from "../../ir/dtype.js";
import type { Tensor } from "../../ir/tensor.js";
import type { OpContext } from "../define.js";
import { sameDType } from "./elementwise.js";

/** The inputs of Conv and ConvTranspose, X, W and the optional B, and their one floating type. */
export interface FloatConvInputs {
  readonly x: Tensor;
  readonly w: Tensor;
  readonly b: Tensor | undefined;
  readonly dtype: DType;
}

/**
 * The checks Conv and ConvTranspose share before their weight layouts part: X and W given, every
 * input of one floating type, X of rank 3 or more (N, C, spatial...) and W of X's rank.
 */
export function floatConvInputs(inputs: readonly (Tensor | undefined)[], ctx: OpContext): FloatConvInputs {
  const [x, w, b] = inputs;
  if (!x || !w) throw ctx.error("missing input X or W");
  const dtype = sameDType(inputs, ctx) ?? x.dtype;
  if (!isFloat(dtype)) throw ctx.error(`input is ${dtype}, expected a floating type`);
  if (x.rank < 3) throw ctx.error(`input X has rank ${x.rank}, expected at least 3 (N, C, spatial...)`);
  if (w.rank !== x.rank) throw ctx.error(`weight W has rank ${w.rank}, expected ${x.rank} like X`);
  return { x, w, b, dtype };
}
