import { inflateSync } from "node:zlib";
import { PNG } from "pngjs";
import { QmcRuntimeError } from "../core/errors.js";
import type { Image } from "../core/image.js";

export interface DecodedPng {
  readonly image: Image<Uint8Array>;
  /** What was changed on the way in (16-bit samples, dropped alpha), for the user to see. */
  readonly notes: readonly string[];
}

export interface PngLimits {
  /** Largest width x height accepted, checked from the header before anything is decoded. */
  readonly maxPixels?: number;
}

/** 64 Mpixel (8192 x 8192): far above any restoration input, far below what exhausts a Node process. */
export const DEFAULT_MAX_PIXELS = 64 * 1024 * 1024;

// PNG color types (PNG spec, IHDR).
const GRAY = 0;
const RGB = 2;
const RGBA = 6;
/** Samples per pixel by color type: gray, -, RGB, palette, gray + alpha, -, RGBA. */
export const SAMPLES: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Adam7 passes: x start, y start, x step, y step. */
export const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;
export const SIGNATURE = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]);

interface Header {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: number;
  readonly colorType: number;
  readonly interlaced: boolean;
}

/**
 * A PNG -> an 8-bit image: gray stays 1 channel (gray + alpha loses its alpha, which no model
 * restores), RGB 3, RGBA (or RGB/palette with transparency) 4. 16-bit samples become 8-bit as
 * round(v * 255 / 65535). The header's size is checked against `maxPixels` and the image data
 * against the header before pngjs allocates anything, so neither a forged size nor a cut stream
 * reaches the decoder.
 */
export function decodePng(bytes: Uint8Array, limits: PngLimits = {}): DecodedPng {
  checkStructure(bytes, limits.maxPixels ?? DEFAULT_MAX_PIXELS);
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const { width, height, data } = png;
  const meta = png as unknown as { color: boolean; alpha: boolean; depth: number };
  const notes: string[] = [];
  if (meta.depth === 16) notes.push("16-bit samples converted to 8-bit");
  const channels = meta.color ? (meta.alpha ? 4 : 3) : 1;
  if (!meta.color && meta.alpha) notes.push("gray + alpha: alpha dropped");
  const out = new Uint8Array(width * height * channels);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < channels; c++) out[i * channels + c] = data[i * 4 + c];
  }
  return { image: { data: out, width, height, channels }, notes };
}

/** Walks the chunks: IHDR first and within limits, every chunk whole, IEND present, image data complete. */
function checkStructure(bytes: Uint8Array, maxPixels: number): void {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new QmcRuntimeError("no PNG signature");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: Header | undefined;
  const imageData: Uint8Array[] = [];
  let at = 8;
  for (;;) {
    if (at + 8 > bytes.length) throw new QmcRuntimeError("the file is cut short (no IEND chunk)");
    const length = view.getUint32(at);
    const type = chunkType(bytes.subarray(at + 4, at + 8));
    const data = at + 8;
    if (data + length + 4 > bytes.length) throw new QmcRuntimeError(`the file is cut short inside its ${type} chunk`);
    if (!header) {
      if (type !== "IHDR" || length !== 13) throw new QmcRuntimeError("the first chunk is not a 13-byte IHDR");
      header = readHeader(view, data, maxPixels);
    } else if (type === "IHDR") {
      // pngjs would take the second header's size, unchecked.
      throw new QmcRuntimeError("a second IHDR chunk");
    } else if (type === "IDAT") imageData.push(bytes.subarray(data, data + length));
    else if (type === "IEND") break;
    else checkAncillaryLength(type, length, header);
    at = data + length + 4;
  }
  checkImageData(header, imageData);
}

/** A chunk's 4-byte type as text; bytes other than letters (a damaged file) shown as \xNN. */
function chunkType(bytes: Uint8Array): string {
  return Array.from(bytes, (b) =>
    /[A-Za-z]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`,
  ).join("");
}

/**
 * The chunks pngjs reads beyond the header must be as long as the spec says: it reads a short gAMA
 * or tRNS past its end.
 */
function checkAncillaryLength(type: string, length: number, header: Header): void {
  const expected =
    type === "gAMA"
      ? 4
      : type === "tRNS" && header.colorType === GRAY
        ? 2
        : type === "tRNS" && header.colorType === RGB
          ? 6
          : undefined;
  if (expected !== undefined && length !== expected) {
    throw new QmcRuntimeError(`its ${type} chunk holds ${length} bytes where ${expected} are expected`);
  }
}

function readHeader(view: DataView, at: number, maxPixels: number): Header {
  const width = view.getUint32(at);
  const height = view.getUint32(at + 4);
  const header = {
    width,
    height,
    bitDepth: view.getUint8(at + 8),
    colorType: view.getUint8(at + 9),
    interlaced: view.getUint8(at + 12) === 1,
  };
  if (width < 1 || height < 1) throw new QmcRuntimeError(`the header declares an empty image (${width}x${height})`);
  if (width * height > maxPixels) {
    throw new QmcRuntimeError(
      `the header declares ${width}x${height} = ${width * height} pixels, over the limit of ${maxPixels} pixels`,
    );
  }
  if (SAMPLES[header.colorType] === undefined || ![1, 2, 4, 8, 16].includes(header.bitDepth)) {
    throw new QmcRuntimeError(`unknown color type ${header.colorType} or bit depth ${header.bitDepth}`);
  }
  return header;
}

/** The bytes the filtered scanlines of an image of this header take (PNG spec 7.2, 8.2). */
function filteredBytes(h: Header): number {
  const bitsPerPixel = SAMPLES[h.colorType] * h.bitDepth;
  const rows = (width: number, height: number) =>
    width === 0 || height === 0 ? 0 : height * (1 + Math.ceil((width * bitsPerPixel) / 8));
  if (!h.interlaced) return rows(h.width, h.height);
  return ADAM7.reduce(
    (sum, [x0, y0, dx, dy]) => sum + rows(Math.ceil((h.width - x0) / dx), Math.ceil((h.height - y0) / dy)),
    0,
  );
}

function checkImageData(header: Header, chunks: readonly Uint8Array[]): void {
  if (chunks.length === 0) throw new QmcRuntimeError("no image data (IDAT chunk)");
  const need = filteredBytes(header);
  const compressed = Buffer.concat(chunks);
  const { inflated, consumed } = inflateUpTo(compressed, need + 1);
  const size = `${header.width}x${header.height}`;
  // pngjs cannot take more than the header needs (its inflate asserts, or, for an interlaced image,
  // inflates all of it whatever its size), nor bytes after the stream's end (it asserts): neither can qmc.
  if (inflated > need)
    throw new QmcRuntimeError(`the image data is longer than ${size} needs (more than ${need} bytes)`);
  if (inflated < need) {
    throw new QmcRuntimeError(`the image data is cut short: ${inflated} bytes where ${size} needs ${need}`);
  }
  if (consumed < compressed.length) {
    throw new QmcRuntimeError(
      `the image data has ${compressed.length - consumed} bytes after the end of its zlib stream`,
    );
  }
}

/** Inflates at most `limit` bytes: how many came out (`limit` when there were more), and how many bytes went in. */
function inflateUpTo(compressed: Buffer, limit: number): { inflated: number; consumed: number } {
  try {
    const { buffer, engine } = inflateSync(compressed, { maxOutputLength: limit, info: true }) as unknown as {
      buffer: Buffer;
      engine: { bytesWritten: number };
    };
    return { inflated: buffer.length, consumed: engine.bytesWritten };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE")
      return { inflated: limit, consumed: compressed.length };
    throw new QmcRuntimeError(`the image data is damaged (${(e as Error).message})`);
  }
}

/** An 8-bit image -> PNG bytes: gray, RGB or RGBA as the image has them. */
export function encodePng(image: Image<Uint8Array | Uint8ClampedArray>): Uint8Array {
  const colorType = image.channels === 1 ? GRAY : image.channels === 3 ? RGB : RGBA;
  const png = { width: image.width, height: image.height, data: Buffer.from(image.data) } as PNG;
  return PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: colorType === RGBA });
}
