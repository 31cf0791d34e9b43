import type { TypeInfo } from "../../ir/graph.js";
import type { Tensor } from "../../ir/tensor.js";
import { sizeOf } from "../../ir/tensor.js";
import type { OpContext } from "../define.js";
import { readWindowAttrs, resolveWindow, type Window, windowOutputDims, windowTable } from "./window.js";

/** The output type of a windowed pool over X [N, C, spatial...] (kernel_shape is required). */
export function poolShape(x: TypeInfo | undefined, ctx: OpContext): TypeInfo {
  if (!x?.shape) return { dtype: x?.dtype };
  const attrs = readWindowAttrs(ctx, ctx.attrs.ints("kernel_shape"), { ceilMode: true });
  return { dtype: x.dtype, shape: [x.shape[0], x.shape[1], ...windowOutputDims(attrs, x.shape.slice(2))] };
}

export interface PoolPlan {
  readonly window: Window;
  /** windowTable over (output position, kernel offset) into the input's spatial grid. */
  readonly table: Int32Array;
  /** N * C: the independent planes. */
  readonly planes: number;
  readonly inSpatial: number;
  readonly outSpatial: number;
  readonly kernelSize: number;
}

/** Resolves a pool's window against X and builds its lookup table. */
export function planPool(x: Tensor, ctx: OpContext): PoolPlan {
  if (x.rank < 3) throw ctx.error(`input has rank ${x.rank}, expected at least 3 (N, C, spatial...)`);
  const kernel = ctx.attrs.ints("kernel_shape");
  if (kernel.length !== x.rank - 2) {
    throw ctx.error(`attribute 'kernel_shape' has ${kernel.length} values, expected ${x.rank - 2}`);
  }
  const window = resolveWindow(readWindowAttrs(ctx, kernel, { ceilMode: true }), x.shape.slice(2));
  const { outSize, inSize } = window;
  return {
    window,
    table: windowTable(outSize, inSize, window),
    planes: x.shape[0] * x.shape[1],
    inSpatial: sizeOf(inSize),
    outSpatial: sizeOf(outSize),
    kernelSize: sizeOf(kernel),
  };
}
