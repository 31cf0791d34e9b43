import type { FnDecl, VarDecl } from "../../shared/artifact.js";

/**
 * Load-time decoding of the constants the artifacts carry as base64 text: little-endian float32 and
 * int32 through a DataView (so a big-endian host reads them right too), and signed sub-byte codes
 * (packed little-end first) unpacked once into an Int8Array, one code per element.
 */

export const BASE64_VARS: readonly VarDecl[] = [
  {
    name: "BASE64_INDEX",
    init: `(function () {
  var table = new Uint8Array(128);
  var digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (var i = 0; i < 64; i++) table[digits.charCodeAt(i)] = i;
  return table;
})()`,
  },
];

export const decodeBase64Fn: FnDecl = {
  name: "decodeBase64",
  params: [{ name: "text", type: "string" }],
  returns: "Uint8Array",
  body: `
var n = text.length;
var pad = n > 0 && text.charAt(n - 1) === "=" ? (n > 1 && text.charAt(n - 2) === "=" ? 2 : 1) : 0;
var out = new Uint8Array((n / 4) * 3 - pad);
var i, j = 0, a, b, c, d;
for (i = 0; i < n; i += 4) {
  a = BASE64_INDEX[text.charCodeAt(i)];
  b = BASE64_INDEX[text.charCodeAt(i + 1)];
  c = BASE64_INDEX[text.charCodeAt(i + 2)];
  d = BASE64_INDEX[text.charCodeAt(i + 3)];
  out[j++] = (a << 2) | (b >> 4);
  if (j < out.length) out[j++] = ((b & 15) << 4) | (c >> 2);
  if (j < out.length) out[j++] = ((c & 3) << 6) | d;
}
return out;
`,
};

const constParams = [
  { name: "lines", type: "string[]" },
  { name: "count", type: "number" },
];

/** The 4-byte element types constants store little-endian, and the DataView getter that reads each. */
const WORD_GETTERS = { Float32Array: "getFloat32", Int32Array: "getInt32" } as const;

/**
 * ES5 statements that read `count` little-endian elements of `type` from the DataView `view` into a
 * new array and return it: the end of every float32 and int32 decoder, base64 text or weights file.
 */
export function wordsFromView(type: keyof typeof WORD_GETTERS): string {
  return `var out = new ${type}(count);
for (var i = 0; i < count; i++) out[i] = view.${WORD_GETTERS[type]}(4 * i, true);
return out;
`;
}

/**
 * ES5 statements that unpack `count` signed codes of `bits` bits (packed little-end first) from the
 * Uint8Array `bytes` into a new Int8Array and return it.
 */
export const CODES_FROM_BYTES = `var out = new Int8Array(count);
var perByte = 8 / bits;
var mask = (1 << bits) - 1;
var half = 1 << (bits - 1);
var i, v;
for (i = 0; i < count; i++) {
  v = (bytes[(i / perByte) | 0] >> ((i % perByte) * bits)) & mask;
  out[i] = v >= half ? v - 2 * half : v;
}
return out;
`;

const FROM_BASE64 = 'var bytes = decodeBase64(lines.join(""));\n';
/** decodeBase64's bytes fill their own buffer, so the view needs no offset. */
const BASE64_VIEW = `${FROM_BASE64}var view = new DataView(bytes.buffer);\n`;

export const float32ConstantFn: FnDecl = {
  name: "float32Constant",
  params: constParams,
  returns: "Float32Array",
  body: `\n${BASE64_VIEW}${wordsFromView("Float32Array")}`,
};

export const int32ConstantFn: FnDecl = {
  name: "int32Constant",
  params: constParams,
  returns: "Int32Array",
  body: `\n${BASE64_VIEW}${wordsFromView("Int32Array")}`,
};

export const packedConstantFn: FnDecl = {
  name: "packedConstant",
  params: [...constParams, { name: "bits", type: "number" }],
  returns: "Int8Array",
  doc: ["Signed codes of `bits` bits, packed little-end first, one per element of an Int8Array."],
  body: `\n${FROM_BASE64}${CODES_FROM_BYTES}`,
};

/**
 * `--weights external` (targets/js/external-weights.ts): the host's answer as a Uint8Array of the
 * asked length (or null), the checksum (no Math.imul in ES5: the product is split so every step stays
 * exact in a double), and decoders from little-endian bytes, ending as the base64 decoders do.
 */
export const readWeightsFn: FnDecl = {
  name: "readWeights",
  params: [
    { name: "read", type: "(offset: number, length: number) => ArrayLike<number> | ArrayBuffer" },
    { name: "offset", type: "number" },
    { name: "length", type: "number" },
  ],
  returns: "Uint8Array | null",
  body: `
var data = read(offset, length);
if (!(data instanceof Uint8Array)) data = new Uint8Array(data);
return data.length === length ? data : null;
`,
};

export const fnv1aFn: FnDecl = {
  name: "fnv1a",
  params: [
    { name: "hash", type: "number" },
    { name: "bytes", type: "Uint8Array" },
  ],
  returns: "number",
  body: `
for (var i = 0; i < bytes.length; i++) {
  hash = (hash ^ bytes[i]) >>> 0;
  hash = (((hash << 24) >>> 0) + hash * 403) >>> 0;
}
return hash;
`,
};

const BYTES_PARAMS = [
  { name: "bytes", type: "Uint8Array" },
  { name: "count", type: "number" },
];
/** The host's bytes may be a window on a larger buffer (a subarray of the whole file). */
const HOST_VIEW = "var view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);\n";

export const float32FromBytesFn: FnDecl = {
  name: "float32FromBytes",
  params: BYTES_PARAMS,
  returns: "Float32Array",
  body: `\n${HOST_VIEW}${wordsFromView("Float32Array")}`,
};

export const int32FromBytesFn: FnDecl = {
  name: "int32FromBytes",
  params: BYTES_PARAMS,
  returns: "Int32Array",
  body: `\n${HOST_VIEW}${wordsFromView("Int32Array")}`,
};

export const packedFromBytesFn: FnDecl = {
  name: "packedFromBytes",
  params: [...BYTES_PARAMS, { name: "bits", type: "number" }],
  returns: "Int8Array",
  body: `\n${CODES_FROM_BYTES}`,
};
