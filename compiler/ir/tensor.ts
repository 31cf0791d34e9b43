import { allocate, type DType, isSubByte, type NumericArray, type TensorData } from "./dtype.js";
import { roundToBfloat16, roundToHalf } from "./float16.js";

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides, in elements. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** A dense, immutable-by-convention n-d array. */
export class Tensor {
  constructor(
    readonly dtype: DType,
    readonly shape: Shape,
    readonly data: TensorData,
  ) {
    if (data.length !== sizeOf(shape)) {
      throw new Error(`internal: tensor of shape [${shape}] given ${data.length} values`);
    }
  }

  static zeros(dtype: DType, shape: Shape): Tensor {
    return new Tensor(dtype, shape, allocate(dtype, sizeOf(shape)));
  }

  static from(dtype: DType, shape: Shape, values: ArrayLike<number>): Tensor {
    const data = allocate(dtype, values.length) as NumericArray;
    for (let i = 0; i < values.length; i++) data[i] = values[i];
    return new Tensor(dtype, shape, normalizeValues(dtype, data));
  }

  static scalar(dtype: DType, value: number): Tensor {
    return Tensor.from(dtype, [], [value]);
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The values as numbers; a string tensor here is a compiler bug, not a user error. */
  get values(): NumericArray {
    if (Array.isArray(this.data)) throw new Error("internal: numeric access to a string tensor");
    return this.data as NumericArray;
  }

  reshape(shape: Shape): Tensor {
    return new Tensor(this.dtype, shape, this.data);
  }

  /** A scalar or one-element tensor's value. */
  item(): number {
    return this.values[0];
  }

  toNumbers(): number[] {
    return Array.from(this.values);
  }
}

/**
 * Makes raw results representable in their element type: rounds half and bfloat16 values, truncates
 * int64 held in doubles, and wraps sub-byte integers. Typed arrays already wrap the native widths.
 */
export function normalizeValues<T extends TensorData>(dtype: DType, data: T): T {
  if (Array.isArray(data)) return data;
  const a = data as NumericArray;
  if (dtype === "float16") for (let i = 0; i < a.length; i++) a[i] = roundToHalf(a[i]);
  else if (dtype === "bfloat16") for (let i = 0; i < a.length; i++) a[i] = roundToBfloat16(a[i]);
  else if (dtype === "int64" || dtype === "uint64") for (let i = 0; i < a.length; i++) a[i] = Math.trunc(a[i]);
  else if (isSubByte(dtype)) {
    const bits = dtype.endsWith("4") ? 4 : 2;
    const signed = dtype.startsWith("int");
    const mod = 1 << bits;
    for (let i = 0; i < a.length; i++) {
      let v = ((a[i] % mod) + mod) % mod;
      if (signed && v >= mod / 2) v -= mod;
      a[i] = v;
    }
  }
  return data;
}
