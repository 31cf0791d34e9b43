/**
 * Element types of the IR. Every ONNX TensorProto.DataType the compiler understands maps to one of
 * these names; the storage column says which typed array holds the values in memory.
 *
 * float16/bfloat16 are held widened to float32 (values stay exactly representable in the narrow type);
 * int64/uint64 are held as float64 numbers, exact up to 2^53, which covers every shape, index and
 * quantized value a restoration network carries. Sub-byte integers are held unpacked, one per byte.
 */
export type DType =
  | "float32"
  | "float64"
  | "float16"
  | "bfloat16"
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "uint8"
  | "uint16"
  | "uint32"
  | "uint64"
  | "bool"
  | "int4"
  | "uint4"
  | "int2"
  | "uint2"
  | "string";

export type NumericArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array;

export type TensorData = NumericArray | string[];

interface DTypeInfo {
  /** ONNX TensorProto.DataType code. */
  readonly onnx: number;
  readonly make: (n: number) => TensorData;
  /** Inclusive integer range; undefined for floating and string types. */
  readonly range?: readonly [number, number];
}

const TABLE: Record<DType, DTypeInfo> = {
  float32: { onnx: 1, make: (n) => new Float32Array(n) },
  uint8: { onnx: 2, make: (n) => new Uint8Array(n), range: [0, 255] },
  int8: { onnx: 3, make: (n) => new Int8Array(n), range: [-128, 127] },
  uint16: { onnx: 4, make: (n) => new Uint16Array(n), range: [0, 65535] },
  int16: { onnx: 5, make: (n) => new Int16Array(n), range: [-32768, 32767] },
  int32: { onnx: 6, make: (n) => new Int32Array(n), range: [-2147483648, 2147483647] },
  int64: { onnx: 7, make: (n) => new Float64Array(n), range: [-(2 ** 63), 2 ** 63 - 1] },
  string: { onnx: 8, make: (n) => new Array<string>(n).fill("") },
  bool: { onnx: 9, make: (n) => new Uint8Array(n), range: [0, 1] },
  float16: { onnx: 10, make: (n) => new Float32Array(n) },
  float64: { onnx: 11, make: (n) => new Float64Array(n) },
  uint32: { onnx: 12, make: (n) => new Uint32Array(n), range: [0, 4294967295] },
  uint64: { onnx: 13, make: (n) => new Float64Array(n), range: [0, 2 ** 64 - 1] },
  bfloat16: { onnx: 16, make: (n) => new Float32Array(n) },
  uint4: { onnx: 21, make: (n) => new Uint8Array(n), range: [0, 15] },
  int4: { onnx: 22, make: (n) => new Int8Array(n), range: [-8, 7] },
  uint2: { onnx: 25, make: (n) => new Uint8Array(n), range: [0, 3] },
  int2: { onnx: 26, make: (n) => new Int8Array(n), range: [-2, 1] },
};

const BY_ONNX = new Map<number, DType>((Object.keys(TABLE) as DType[]).map((d) => [TABLE[d].onnx, d]));

/** ONNX codes the format defines but this compiler does not hold (complex, float8 variants, ...). */
const ONNX_NAMES: Record<number, string> = {
  0: "UNDEFINED",
  14: "COMPLEX64",
  15: "COMPLEX128",
  17: "FLOAT8E4M3FN",
  18: "FLOAT8E4M3FNUZ",
  19: "FLOAT8E5M2",
  20: "FLOAT8E5M2FNUZ",
  23: "FLOAT4E2M1",
  24: "FLOAT8E8M0",
};

export function dtypeFromOnnx(code: number): DType | undefined {
  return BY_ONNX.get(code);
}

export function onnxDTypeName(code: number): string {
  return BY_ONNX.get(code) ?? ONNX_NAMES[code] ?? `dtype #${code}`;
}

export function dtypeToOnnx(dtype: DType): number {
  return TABLE[dtype].onnx;
}

export function allocate(dtype: DType, n: number): TensorData {
  return TABLE[dtype].make(n);
}

export function integerRange(dtype: DType): readonly [number, number] | undefined {
  return TABLE[dtype].range;
}

export function isFloat(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64" || dtype === "float16" || dtype === "bfloat16";
}

export function isInteger(dtype: DType): boolean {
  return TABLE[dtype].range !== undefined && dtype !== "bool";
}

export function isSubByte(dtype: DType): boolean {
  return dtype === "int4" || dtype === "uint4" || dtype === "int2" || dtype === "uint2";
}

export function bitsOf(dtype: DType): number {
  switch (dtype) {
    case "int2":
    case "uint2":
      return 2;
    case "int4":
    case "uint4":
      return 4;
    case "int8":
    case "uint8":
    case "bool":
      return 8;
    case "int16":
    case "uint16":
    case "float16":
    case "bfloat16":
      return 16;
    case "float32":
    case "int32":
    case "uint32":
      return 32;
    default:
      return 64;
  }
}
