import { QmcRuntimeError } from "./errors.js";

export type PixelData = Uint8Array | Uint8ClampedArray | Float32Array;

/**
 * An interleaved (HWC) image: 1 channel gray, 3 RGB or 4 RGBA. Integer data are 0..255; float data
 * are in [0, 1]. Alpha is not restored: it is dropped on the way in and set opaque on the way out.
 */
export interface Image<D extends PixelData = PixelData> {
  readonly data: D;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

/** Color planes a model sees: 1 (gray) or 3 (RGB). */
export type PlaneCount = 1 | 3;

export function checkImage(image: Image, what = "image"): void {
  const { data, width, height, channels } = image;
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray || data instanceof Float32Array)) {
    throw new QmcRuntimeError(`${what}: data must be a Uint8Array, Uint8ClampedArray or Float32Array`);
  }
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new QmcRuntimeError(`${what}: size ${width}x${height} is not a positive integer size`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new QmcRuntimeError(`${what}: ${channels} channels; images have 1 (gray), 3 (RGB) or 4 (RGBA)`);
  }
  if (data.length !== width * height * channels) {
    throw new QmcRuntimeError(
      `${what}: ${data.length} values for ${width}x${height}x${channels} (expected ${width * height * channels})`,
    );
  }
}

/** Whether an image with `channels` holds the planes a model takes: gray for 1, RGB or RGBA for 3. */
export function readableAs(channels: number, planes: PlaneCount): boolean {
  return planes === 1 ? channels === 1 : channels === 3 || channels === 4;
}

/**
 * Interleaved image -> float32 planes (CHW) in [0, 1]: uint8 values divided by 255 in float32, as
 * BasicSR's `img.astype(np.float32) / 255.` does (rounding the double quotient to float32 is exact
 * division, as double has more than twice float's precision).
 */
export function toPlanes(image: Image, planes: PlaneCount): Float32Array {
  const { data, width, height, channels } = image;
  if (!readableAs(channels, planes)) {
    throw new QmcRuntimeError(`a ${channels}-channel image cannot be read as ${planes} color plane(s)`);
  }
  const n = width * height;
  const out = new Float32Array(planes * n);
  const scale = data instanceof Float32Array ? 1 : 255;
  for (let c = 0; c < planes; c++) {
    for (let i = 0; i < n; i++) out[c * n + i] = data[i * channels + c] / scale;
  }
  return out;
}

/**
 * float32 -> uint8 as BasicSR's tensor2img: clamp to [0, 1], multiply by 255 in float32, round half
 * to even (numpy's `round`), so outputs compare byte for byte with PyTorch-side results.
 */
export function toByte(v: number): number {
  if (!(v > 0)) return 0;
  if (v >= 1) return 255;
  const x = Math.fround(v * 255);
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 === 1 ? r - 1 : r;
}

/**
 * Float32 planes (CHW) -> an interleaved image laid out like `like`: same channel count (RGB planes
 * to RGBA get an opaque alpha) and same data type. Float images get
 * the values as computed, unclamped; integer images get `toByte`.
 */
export function fromPlanes<D extends PixelData>(
  planes: Float32Array,
  width: number,
  height: number,
  like: Image<D>,
): Image<D> {
  const channels = like.channels;
  const n = width * height;
  if (!readableAs(channels, planes.length === n ? 1 : 3) || planes.length !== n * Math.min(channels, 3)) {
    throw new QmcRuntimeError(
      `${planes.length / n} planes of ${width}x${height} do not fill a ${channels}-channel image`,
    );
  }
  const isFloat = like.data instanceof Float32Array;
  const data = new (like.data.constructor as new (length: number) => D)(n * channels);
  for (let c = 0; c < channels; c++) {
    if (c === 3) {
      for (let i = 0; i < n; i++) data[i * channels + 3] = isFloat ? 1 : 255;
    } else {
      const plane = c * n;
      for (let i = 0; i < n; i++) {
        const v = planes[plane + i];
        data[i * channels + c] = isFloat ? v : toByte(v);
      }
    }
  }
  return { data, width, height, channels };
}
