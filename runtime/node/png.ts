import { PNG } from "pngjs";
import type { Image } from "../core/image.js";

export interface DecodedPng {
  readonly image: Image<Uint8Array>;
  /** What was changed on the way in (16-bit samples, dropped alpha), for the user to see. */
  readonly notes: readonly string[];
}

// PNG color types (PNG spec, IHDR).
const GRAY = 0;
const RGB = 2;
const RGBA = 6;

/**
 * A PNG -> an 8-bit image: gray stays 1 channel (gray + alpha loses its alpha, which no model
 * restores), RGB 3, RGBA (or RGB/palette with transparency) 4. 16-bit samples become 8-bit as
 * round(v * 255 / 65535).
 */
export function decodePng(bytes: Uint8Array): DecodedPng {
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

/** An 8-bit image -> PNG bytes: gray, RGB or RGBA as the image has them. */
export function encodePng(image: Image<Uint8Array | Uint8ClampedArray>): Uint8Array {
  const colorType = image.channels === 1 ? GRAY : image.channels === 3 ? RGB : RGBA;
  const png = { width: image.width, height: image.height, data: Buffer.from(image.data) } as PNG;
  return PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: colorType === RGBA });
}
