import { closeSync, openSync, readSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { QmcError, terminalText } from "../diagnostics.js";
import { allocate, type DType, dtypeFromOnnx, type NumericArray, onnxDTypeName } from "../ir/dtype.js";
import { bfloat16BitsToFloat, halfBitsToFloat } from "../ir/float16.js";
import { sizeOf, Tensor } from "../ir/tensor.js";
import { LimitBudget, modelLimits } from "./limits.js";
import type { onnx } from "./onnx-proto.js";

/** Where a tensor came from, for messages, and where its external data may live. */
export interface TensorSource {
  /** e.g. "initializer 'conv.weight' in model.onnx" */
  readonly what: string;
  /** The model's folder; external data must resolve inside it. Undefined: external data refused. */
  readonly baseDir?: string;
  /** The decode's element limits; a tensor decoded alone counts against the process-wide limits. */
  readonly budget?: LimitBudget;
}

const EXTERNAL = 1;

export function decodeTensor(proto: onnx.ITensorProto, source: TensorSource): Tensor {
  const code = proto.dataType ?? 0;
  const dtype = dtypeFromOnnx(code);
  if (!dtype) {
    throw new QmcError(`${source.what}: element type ${onnxDTypeName(code)} is not supported`);
  }
  const shape = (proto.dims ?? []).map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new QmcError(`${source.what}: invalid dims [${shape}]`);
  }
  const n = sizeOf(shape);
  (source.budget ?? new LimitBudget(modelLimits())).takeElements(n, source.what);
  if (proto.segment) throw new QmcError(`${source.what}: segmented tensors are not supported`);

  let raw = proto.rawData && proto.rawData.length > 0 ? proto.rawData : undefined;
  if (proto.dataLocation === EXTERNAL) raw = readExternal(proto, source, rawByteLength(dtype, n));

  const data = raw ? fromRaw(dtype, raw, n, source) : fromTypedFields(dtype, proto, n, source);
  return new Tensor(dtype, shape, data);
}

function fromRaw(dtype: DType, raw: Uint8Array, n: number, source: TensorSource) {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const need = rawByteLength(dtype, n);
  if (dtype === "string") throw new QmcError(`${source.what}: string tensors cannot use raw_data`);
  if (raw.byteLength !== need) {
    throw new QmcError(`${source.what}: raw_data holds ${raw.byteLength} bytes, ${dtype}[${n}] needs ${need}`);
  }
  const out = allocate(dtype, n) as NumericArray;
  switch (dtype) {
    case "float32":
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
      break;
    case "float64":
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
      break;
    case "float16":
      for (let i = 0; i < n; i++) out[i] = halfBitsToFloat(view.getUint16(i * 2, true));
      break;
    case "bfloat16":
      for (let i = 0; i < n; i++) out[i] = bfloat16BitsToFloat(view.getUint16(i * 2, true));
      break;
    case "int8":
      for (let i = 0; i < n; i++) out[i] = view.getInt8(i);
      break;
    case "uint8":
    case "bool":
      for (let i = 0; i < n; i++) out[i] = view.getUint8(i);
      break;
    case "int16":
      for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true);
      break;
    case "uint16":
      for (let i = 0; i < n; i++) out[i] = view.getUint16(i * 2, true);
      break;
    case "int32":
      for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true);
      break;
    case "uint32":
      for (let i = 0; i < n; i++) out[i] = view.getUint32(i * 4, true);
      break;
    case "int64":
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(i * 8, true));
      break;
    case "uint64":
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigUint64(i * 8, true));
      break;
    default:
      unpackSubByte(dtype, (i) => raw[i], n, out);
  }
  return out;
}

function rawByteLength(dtype: DType, n: number): number {
  switch (dtype) {
    case "int4":
    case "uint4":
      return Math.ceil(n / 2);
    case "int2":
    case "uint2":
      return Math.ceil(n / 4);
    case "int8":
    case "uint8":
    case "bool":
      return n;
    case "int16":
    case "uint16":
    case "float16":
    case "bfloat16":
      return n * 2;
    case "float32":
    case "int32":
    case "uint32":
      return n * 4;
    default:
      return n * 8;
  }
}

/** Unpacks 4- or 2-bit elements, first element in the least significant bits of each byte. */
function unpackSubByte(dtype: DType, byteAt: (i: number) => number, n: number, out: NumericArray): void {
  const bits = dtype === "int4" || dtype === "uint4" ? 4 : 2;
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  const signed = dtype === "int4" || dtype === "int2";
  for (let i = 0; i < n; i++) {
    let v = (byteAt(Math.floor(i / perByte)) >> ((i % perByte) * bits)) & mask;
    if (signed && v >= 1 << (bits - 1)) v -= 1 << bits;
    out[i] = v;
  }
}

type TypedField = readonly [name: string, values: ArrayLike<number | { toString(): string }>];

/** The repeated field a tensor of this type keeps its values in, when it has no raw_data. */
function typedField(dtype: DType, p: onnx.ITensorProto): TypedField {
  switch (dtype) {
    case "float32":
      return ["float_data", p.floatData ?? []];
    case "float64":
      return ["double_data", p.doubleData ?? []];
    case "int64":
      return ["int64_data", p.int64Data ?? []];
    case "uint32":
    case "uint64":
      return ["uint64_data", p.uint64Data ?? []];
    default:
      return ["int32_data", p.int32Data ?? []];
  }
}

/** Values from the typed fields, their count checked against the dims before anything is allocated. */
function fromTypedFields(dtype: DType, p: onnx.ITensorProto, n: number, source: TensorSource) {
  const check = (len: number, field: string, need = n) => {
    if (len !== need) throw new QmcError(`${source.what}: ${field} holds ${len} values, dims need ${need}`);
  };
  if (dtype === "string") {
    check((p.stringData ?? []).length, "string_data");
    return (p.stringData ?? []).map((b) => new TextDecoder().decode(b));
  }
  const [field, values] = typedField(dtype, p);
  const packed = { int4: 2, uint4: 2, int2: 4, uint2: 4 }[dtype as string];
  // Sub-byte types pack their elements into the low byte of each int32_data word.
  check(values.length, packed ? `${field} (packed words)` : field, packed ? Math.ceil(n / packed) : n);
  const out = allocate(dtype, n) as NumericArray;
  if (packed) {
    unpackSubByte(dtype, (i) => Number(values[i]) & 0xff, n, out);
    return out;
  }
  const map = dtype === "float16" ? halfBitsToFloat : dtype === "bfloat16" ? bfloat16BitsToFloat : (v: number) => v;
  for (let i = 0; i < n; i++) out[i] = map(Number(values[i]));
  return out;
}

/** The `need` bytes of the tensor's external data, read only once its location and range hold up. */
function readExternal(proto: onnx.ITensorProto, source: TensorSource, need: number): Uint8Array {
  const entries = new Map((proto.externalData ?? []).map((e) => [e.key ?? "", e.value ?? ""]));
  const location = entries.get("location");
  if (!location) throw new QmcError(`${source.what}: external data without a 'location'`);
  // The location is the model's text: shown escaped whole, a line break in it cannot start a line.
  const shown = `'${terminalText(location)}'`;
  if (!source.baseDir) throw new QmcError(`${source.what}: external data ${shown} needs the model's folder`);
  if (isAbsolute(location) || location.split(/[\\/]/).includes("..")) {
    throw new QmcError(
      `${source.what}: external data location ${shown} must be a relative path inside the model's folder`,
    );
  }
  const base = realpathSync(source.baseDir);
  const file = resolve(base, location);
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    throw new QmcError(`${source.what}: external data file '${terminalText(file)}' cannot be read`);
  }
  const rel = relative(base, real);
  if (rel.startsWith(`..${sep}`) || rel === ".." || isAbsolute(rel)) {
    throw new QmcError(
      `${source.what}: external data ${shown} resolves outside the model's folder (${terminalText(real)})`,
    );
  }
  const stat = statSync(real);
  if (!stat.isFile()) {
    throw new QmcError(
      `${source.what}: external data ${shown} is ${stat.isDirectory() ? "a folder" : "not a regular file"}`,
    );
  }
  const offset = Number(entries.get("offset") ?? 0);
  const size = stat.size;
  const length = entries.has("length") ? Number(entries.get("length")) : size - offset;
  if (
    !(
      Number.isSafeInteger(offset) &&
      Number.isSafeInteger(length) &&
      offset >= 0 &&
      length >= 0 &&
      offset + length <= size
    )
  ) {
    throw new QmcError(`${source.what}: external data range ${offset}+${length} exceeds ${shown} (${size} bytes)`);
  }
  if (length !== need) {
    throw new QmcError(`${source.what}: external data ${shown} holds ${length} bytes, the dims need ${need}`);
  }
  return readRange(real, offset, length);
}

/** Reads a byte range; a file that shrank since it was measured ends the read with an error. */
function readRange(path: string, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const fd = openSync(path, "r");
  try {
    // One read call moves at most about 2 GiB.
    for (let done = 0; done < length; ) {
      const read = readSync(fd, out, done, length - done, offset + done);
      if (read === 0) throw new QmcError(`${path}: ended after ${offset + done} bytes while being read`);
      done += read;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}
