import { allocate, type DType } from "../../ir/dtype.js";
import { type Shape, sizeOf, stridesOf, Tensor } from "../../ir/tensor.js";

/**
 * A view of a tensor's flat data: element idx of the view is data[offset + sum(idx[k] * strides[k])].
 * Transpose, Slice, Expand (stride 0), Tile and DepthToSpace are all one such view copied out.
 */
export interface StridedView {
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

/** Copies a strided view of `src` into a new dense tensor (any element type, strings included). */
export function copyView(src: Tensor, view: StridedView, dtype: DType = src.dtype): Tensor {
  const n = sizeOf(view.shape);
  const out = allocate(dtype, n) as unknown as unknown[];
  const from = src.data as unknown as readonly unknown[];
  const rank = view.shape.length;
  const idx = new Array<number>(rank).fill(0);
  let j = view.offset;
  for (let i = 0; i < n; i++) {
    out[i] = from[j];
    // Odometer step: advance the last axis, carrying into earlier ones, adjusting the source offset.
    for (let k = rank - 1; k >= 0; k--) {
      j += view.strides[k];
      if (++idx[k] < view.shape[k]) break;
      j -= view.strides[k] * view.shape[k];
      idx[k] = 0;
    }
  }
  return new Tensor(dtype, view.shape, out as unknown as Tensor["data"]);
}

/** The dense view of a shape: its own row-major strides. */
export function denseView(shape: Shape): StridedView {
  return { shape, strides: stridesOf(shape), offset: 0 };
}

/** Output axis k takes input axis perm[k]. */
export function transposeTensor(x: Tensor, perm: readonly number[]): Tensor {
  const s = stridesOf(x.shape);
  return copyView(x, { shape: perm.map((p) => x.shape[p]), strides: perm.map((p) => s[p]), offset: 0 });
}

/** The part of `x` from `start` (inclusive) along `axis` of length `length`. */
export function sliceAxis(x: Tensor, axis: number, start: number, length: number): Tensor {
  const s = stridesOf(x.shape);
  const shape = x.shape.map((d, k) => (k === axis ? length : d));
  return copyView(x, { shape, strides: s, offset: start * s[axis] });
}
