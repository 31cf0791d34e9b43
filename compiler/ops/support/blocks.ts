import type { Dim, TypeInfo } from "../../ir/graph.js";
import type { Tensor } from "../../ir/tensor.js";
import type { OpContext } from "../define.js";

/**
 * DepthToSpace and SpaceToDepth move blocksize x blocksize blocks between the channel and the
 * spatial axes of one [N, C, H, W] tensor; they read it and size their output alike.
 */

type Rescale = (d: number, blocksize: number) => number;

/** The output type: C and H, W rescaled for the node's blocksize where they are known. */
export function blockShape(
  x: TypeInfo | undefined,
  ctx: OpContext,
  { channels, spatial }: { readonly channels: Rescale; readonly spatial: Rescale },
): TypeInfo {
  if (!x?.shape) return { dtype: x?.dtype };
  const b = ctx.attrs.int("blocksize");
  const [n, c, h, w] = x.shape;
  const apply = (d: Dim, f: Rescale): Dim => {
    if (typeof d !== "number") return null;
    const r = f(d, b);
    if (!Number.isInteger(r)) throw ctx.error(`a dimension of ${d} does not divide into blocks of ${b}`);
    return r;
  };
  return { dtype: x.dtype, shape: [n, apply(c, channels), apply(h, spatial), apply(w, spatial)] };
}

/** The input, which must be 4-D, and the node's blocksize. */
export function blockInput(x: Tensor | undefined, ctx: OpContext): { x: Tensor; b: number } {
  if (!x) throw ctx.error("missing input");
  if (x.rank !== 4) throw ctx.error(`input has rank ${x.rank}, expected 4 (N, C, H, W)`);
  return { x, b: ctx.attrs.int("blocksize") };
}
