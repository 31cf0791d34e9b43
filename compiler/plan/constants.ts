import type { Tensor } from "../ir/tensor.js";
import type { ConstantEncoding } from "./kernel-plan.js";

/**
 * The bytes of a plan constant: float32 or int32 little-endian, or signed weight codes packed at
 * their bit-width (two 4-bit or four 2-bit codes per byte, first code in the low bits), which is
 * how the weights travel inside an artifact.
 */
export function encodeConstant(t: Tensor, codeBits?: number): { encoding: ConstantEncoding; bytes: Uint8Array } {
  const v = t.values;
  if (codeBits !== undefined) {
    const bits = codeBits <= 2 ? 2 : codeBits <= 4 ? 4 : 8;
    return { encoding: { kind: "packed", bits }, bytes: packCodes(v, bits) };
  }
  if (t.dtype === "float32" || t.dtype === "float64" || t.dtype === "float16" || t.dtype === "bfloat16") {
    const f = Float32Array.from(v);
    return { encoding: { kind: "float32" }, bytes: new Uint8Array(f.buffer) };
  }
  const i = Int32Array.from(v);
  return { encoding: { kind: "int32" }, bytes: new Uint8Array(i.buffer) };
}

export function packCodes(codes: ArrayLike<number>, bits: 2 | 4 | 8): Uint8Array {
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  const out = new Uint8Array(Math.ceil(codes.length / perByte));
  for (let i = 0; i < codes.length; i++) {
    out[Math.floor(i / perByte)] |= (codes[i] & mask) << ((i % perByte) * bits);
  }
  return out;
}

export function unpackCodes(bytes: Uint8Array, bits: 2 | 4 | 8, n: number): Int8Array {
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  const half = 1 << (bits - 1);
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    const v = (bytes[Math.floor(i / perByte)] >> ((i % perByte) * bits)) & mask;
    out[i] = v >= half ? v - (1 << bits) : v;
  }
  return out;
}
