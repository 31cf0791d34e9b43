import { crc32, deflateSync, inflateSync } from "node:zlib";
import { ADAM7, SAMPLES, SIGNATURE } from "../../runtime/node/png.js";
import { type Draw, EDGE_INTEGERS } from "./random.js";

/**
 * PNG files for `qmc run` to read, and their mutations: raw bytes, header fields, chunk structure and
 * image data. Chunk-aware mutations fix the CRCs, so that they reach the checks behind the CRC's.
 */

export const PNG_MUTATIONS = ["png-byte-flip", "png-truncate", "png-header", "png-chunks", "png-data"] as const;
export type PngMutation = (typeof PNG_MUTATIONS)[number];

interface Chunk {
  type: string;
  data: Uint8Array;
}

interface PngSpec {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: number;
  readonly colorType: number;
  readonly interlaced: boolean;
}

/** Small valid PNGs of every color type, bit depths from 1 to 16, plain and interlaced. */
export const PNG_SEEDS: readonly PngSpec[] = [
  { width: 7, height: 5, bitDepth: 8, colorType: 0, interlaced: false },
  { width: 9, height: 6, bitDepth: 8, colorType: 2, interlaced: true },
  { width: 4, height: 4, bitDepth: 16, colorType: 6, interlaced: false },
  { width: 6, height: 3, bitDepth: 2, colorType: 3, interlaced: false },
  { width: 5, height: 5, bitDepth: 8, colorType: 4, interlaced: true },
  { width: 13, height: 2, bitDepth: 1, colorType: 0, interlaced: false },
  { width: 8, height: 8, bitDepth: 16, colorType: 2, interlaced: false },
];

export function pngSeedName(spec: PngSpec): string {
  return `${spec.width}x${spec.height} type ${spec.colorType} depth ${spec.bitDepth}${spec.interlaced ? " interlaced" : ""}`;
}

/** The seed's chunks, pixel values and filter types drawn from `d`. */
export function pngChunks(spec: PngSpec, d: Draw): Chunk[] {
  const chunks: Chunk[] = [{ type: "IHDR", data: header(spec) }];
  if (spec.colorType === 3) {
    const entries = 1 << spec.bitDepth;
    chunks.push({ type: "PLTE", data: Uint8Array.from({ length: entries * 3 }, () => d.int(256)) });
    chunks.push({ type: "tRNS", data: Uint8Array.from({ length: entries }, () => d.int(256)) });
  }
  chunks.push({ type: "IDAT", data: deflateSync(scanlines(spec, d)) });
  chunks.push({ type: "IEND", data: new Uint8Array() });
  return chunks;
}

export function encodeChunks(chunks: readonly Chunk[]): Uint8Array {
  const parts: Uint8Array[] = [SIGNATURE];
  for (const c of chunks) parts.push(chunkBytes(c.type, c.data));
  return Buffer.concat(parts);
}

function chunkBytes(type: string, data: Uint8Array, declaredLength = data.length): Uint8Array {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(declaredLength >>> 0, 0);
  out.write(type.padEnd(4, " ").slice(0, 4), 4, "latin1");
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function header(spec: PngSpec): Uint8Array {
  const out = Buffer.alloc(13);
  out.writeUInt32BE(spec.width >>> 0, 0);
  out.writeUInt32BE(spec.height >>> 0, 4);
  out[8] = spec.bitDepth;
  out[9] = spec.colorType;
  out[12] = spec.interlaced ? 1 : 0;
  return out;
}

/** Filtered scanlines (filter byte + packed samples per row, per Adam7 pass when interlaced). */
function scanlines(spec: PngSpec, d: Draw): Uint8Array {
  const bits = SAMPLES[spec.colorType] * spec.bitDepth;
  const rows: number[] = [];
  const image = (w: number, h: number) => {
    if (w <= 0 || h <= 0) return;
    for (let y = 0; y < h; y++) {
      rows.push(d.int(5));
      for (let i = 0; i < Math.ceil((w * bits) / 8); i++) rows.push(d.int(256));
    }
  };
  if (!spec.interlaced) image(spec.width, spec.height);
  else
    for (const [x0, y0, dx, dy] of ADAM7) image(Math.ceil((spec.width - x0) / dx), Math.ceil((spec.height - y0) / dy));
  return Uint8Array.from(rows);
}

export interface MutatedPng {
  readonly bytes: Uint8Array;
  readonly what: string;
}

export function mutatePng(kind: PngMutation, spec: PngSpec, d: Draw): MutatedPng {
  const chunks = pngChunks(spec, d);
  const valid = encodeChunks(chunks);
  switch (kind) {
    case "png-byte-flip": {
      const bytes = Uint8Array.from(valid);
      const flips: string[] = [];
      for (let i = 1 + d.int(4); i > 0; i--) {
        const at = d.int(bytes.length);
        const mask = 1 + d.int(255);
        bytes[at] ^= mask;
        flips.push(`${at}^${mask}`);
      }
      return { bytes, what: `flipped bytes ${flips.join(" ")}` };
    }
    case "png-truncate": {
      const at = d.pick([0, 8, 16, 33, valid.length - 1, d.int(valid.length)]);
      return { bytes: valid.slice(0, at), what: `truncated to ${at} of ${valid.length} bytes` };
    }
    case "png-header":
      return mutateHeader(chunks, spec, d);
    case "png-chunks":
      return mutateChunks(chunks, d);
    default:
      return mutateImageData(chunks, spec, d);
  }
}

function mutateHeader(chunks: Chunk[], spec: PngSpec, d: Draw): MutatedPng {
  const ihdr = Buffer.from(chunks[0].data);
  const field = d.int(7);
  const size = () => (d.chance(0.5) ? d.pick(EDGE_INTEGERS) >>> 0 : 1 + d.int(40));
  let what: string;
  if (field === 0) {
    ihdr.writeUInt32BE(size(), 0);
    what = `width ${spec.width} -> ${ihdr.readUInt32BE(0)}`;
  } else if (field === 1) {
    ihdr.writeUInt32BE(size(), 4);
    what = `height ${spec.height} -> ${ihdr.readUInt32BE(4)}`;
  } else {
    // bit depth, color type, compression, filter method, interlace method
    const at = 8 + (field - 2);
    ihdr[at] = d.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 16, 255]);
    what = `IHDR byte ${at} -> ${ihdr[at]}`;
  }
  chunks[0].data = ihdr;
  return { bytes: encodeChunks(chunks), what };
}

function mutateChunks(chunks: Chunk[], d: Draw): MutatedPng {
  const k = d.int(chunks.length);
  switch (d.int(6)) {
    case 0:
      chunks.splice(k, 1);
      return { bytes: encodeChunks(chunks), what: `chunk ${chunks[k]?.type ?? k} removed` };
    case 1:
      chunks.splice(k, 0, { ...chunks[k] });
      return { bytes: encodeChunks(chunks), what: `chunk ${chunks[k].type} duplicated` };
    case 2: {
      const j = d.int(chunks.length);
      [chunks[k], chunks[j]] = [chunks[j], chunks[k]];
      return { bytes: encodeChunks(chunks), what: `chunks ${k} and ${j} swapped` };
    }
    case 3: {
      const type = d.pick(["PLTE", "tRNS", "gAMA", "abCD", "IHDR", "IEND", "tEXt", "iCCP"]);
      const data = Uint8Array.from({ length: d.pick([0, 1, 3, 13, 300, 768]) }, () => d.int(256));
      chunks.splice(k, 0, { type, data });
      return { bytes: encodeChunks(chunks), what: `chunk ${type} of ${data.length} bytes inserted at ${k}` };
    }
    case 4: {
      // A length field that lies about the bytes that follow.
      const parts: Uint8Array[] = [SIGNATURE];
      const lie = d.pick([0, 1, 2 ** 31 - 1, 2 ** 32 - 1, chunks[k].data.length + 1]);
      for (const [i, c] of chunks.entries()) parts.push(chunkBytes(c.type, c.data, i === k ? lie : c.data.length));
      return { bytes: Buffer.concat(parts), what: `chunk ${chunks[k].type} declares ${lie} bytes` };
    }
    default: {
      const idat = chunks.findIndex((c) => c.type === "IDAT");
      const data = chunks[idat].data;
      const pieces = Array.from({ length: data.length }, (_, i) => ({ type: "IDAT", data: data.subarray(i, i + 1) }));
      chunks.splice(idat, 1, ...pieces);
      return { bytes: encodeChunks(chunks), what: `IDAT split into ${pieces.length} one-byte chunks` };
    }
  }
}

function mutateImageData(chunks: Chunk[], spec: PngSpec, d: Draw): MutatedPng {
  const idat = chunks.findIndex((c) => c.type === "IDAT");
  const raw = new Uint8Array(inflateSync(chunks[idat].data));
  let what: string;
  switch (d.int(5)) {
    case 0: {
      const cut = d.int(raw.length);
      chunks[idat].data = deflateSync(raw.subarray(0, cut));
      what = `image data cut to ${cut} of ${raw.length} bytes`;
      break;
    }
    case 1: {
      const extra = d.pick([1, 100, 100_000]);
      chunks[idat].data = deflateSync(Buffer.concat([raw, new Uint8Array(extra)]));
      what = `image data ${extra} bytes too long`;
      break;
    }
    case 2: {
      const at = d.int(raw.length);
      raw[at] = d.pick([5, 6, 255]);
      chunks[idat].data = deflateSync(raw);
      what = `byte ${at} of the filtered data (a filter type where it falls on one) -> ${raw[at]}`;
      break;
    }
    case 3:
      chunks[idat].data = Uint8Array.from({ length: d.int(64) }, () => d.int(256));
      what = "image data replaced by random bytes";
      break;
    default:
      chunks[idat].data = deflateSync(raw).subarray(0, d.int(8));
      what = "zlib stream cut inside its header";
  }
  return { bytes: encodeChunks(chunks), what: `${pngSeedName(spec)}: ${what}` };
}
