import { QmcRuntimeError } from "./errors.js";
import { checkImage, type Image } from "./image.js";

/**
 * PSNR and SSIM as BasicSR 1.4 computes them (basicsr/metrics/psnr_ssim.py, QMAMBAIR.md section 3),
 * so numbers compare with published tables: 8-bit images, `crop` border pixels dropped from each
 * side, then either the Y channel of BT.601 YCbCr or every color channel, in float64.
 */
export interface MetricOptions {
  /** Border pixels cropped from each side before measuring (BasicSR's crop_border; the scale for SR). */
  readonly crop: number;
  /** Measure the Y channel only (BasicSR's test_y_channel). */
  readonly y: boolean;
}

interface Planes {
  readonly planes: Float64Array[];
  readonly width: number;
  readonly height: number;
}

/**
 * BasicSR's to_y_channel on [0,1]-scaled RGB: Y = 16 + 65.481 R + 128.553 G + 24.966 B, not rounded,
 * with its float32 steps kept (R/255 in float32, the sum in float64 then /255 stored as float32,
 * times 255 in float32) so results match to the last printed digit.
 */
function yOf(r: number, g: number, b: number): number {
  const f = Math.fround;
  const sum = f(b / 255) * 24.966 + f(g / 255) * 128.553 + f(r / 255) * 65.481 + 16;
  return f(f(sum / 255) * 255);
}

function measuredPlanes(image: Image, options: MetricOptions, what: string): Planes {
  checkImage(image, what);
  const { data, width, height, channels } = image;
  if (data instanceof Float32Array) {
    throw new QmcRuntimeError(`${what}: metrics compare 8-bit images (as BasicSR does); this one holds float32`);
  }
  const crop = options.crop;
  if (!Number.isInteger(crop) || crop < 0 || 2 * crop >= width || 2 * crop >= height) {
    throw new QmcRuntimeError(`${what}: cannot crop ${crop} border pixels from a ${width}x${height} image`);
  }
  const cw = width - 2 * crop;
  const ch = height - 2 * crop;
  const colors = channels === 1 ? 1 : 3;
  const count = options.y ? 1 : colors;
  const planes = Array.from({ length: count }, () => new Float64Array(cw * ch));
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const p = ((y + crop) * width + x + crop) * channels;
      const i = y * cw + x;
      if (options.y && colors === 3) {
        planes[0][i] = yOf(data[p], data[p + 1], data[p + 2]);
      } else if (options.y) {
        // BasicSR leaves a gray image as it is, through the same float32 /255 *255 round trip.
        planes[0][i] = Math.fround(Math.fround(data[p] / 255) * 255);
      } else {
        for (let c = 0; c < colors; c++) planes[c][i] = data[p + c];
      }
    }
  }
  return { planes, width: cw, height: ch };
}

function pair(a: Image, b: Image, options: MetricOptions): [Planes, Planes] {
  if (a.width !== b.width || a.height !== b.height) {
    throw new QmcRuntimeError(`images differ in size: ${a.width}x${a.height} and ${b.width}x${b.height}`);
  }
  if ((a.channels === 1) !== (b.channels === 1)) {
    throw new QmcRuntimeError(`cannot compare a ${a.channels}-channel image with a ${b.channels}-channel one`);
  }
  return [measuredPlanes(a, options, "first image"), measuredPlanes(b, options, "second image")];
}

/** Peak signal-to-noise ratio in dB over the 0..255 range; Infinity for identical images. */
export function psnr(a: Image, b: Image, options: MetricOptions): number {
  const [pa, pb] = pair(a, b, options);
  let sum = 0;
  let n = 0;
  pa.planes.forEach((plane, c) => {
    const other = pb.planes[c];
    for (let i = 0; i < plane.length; i++) sum += (plane[i] - other[i]) ** 2;
    n += plane.length;
  });
  const mse = sum / n;
  return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / mse);
}

/** Structural similarity: BasicSR's `_ssim` per channel, averaged over channels. */
export function ssim(a: Image, b: Image, options: MetricOptions): number {
  const [pa, pb] = pair(a, b, options);
  if (pa.width < WINDOW || pa.height < WINDOW) {
    throw new QmcRuntimeError(
      `SSIM needs at least ${WINDOW}x${WINDOW} pixels after cropping, got ${pa.width}x${pa.height}`,
    );
  }
  const values = pa.planes.map((plane, c) => ssimPlane(plane, pb.planes[c], pa.width, pa.height));
  return values.reduce((s, v) => s + v, 0) / values.length;
}

const WINDOW = 11;
const SIGMA = 1.5;

/** cv2.getGaussianKernel(11, 1.5): exp(-x^2 / (2 sigma^2)) at x = -5..5, normalised to sum 1. */
const GAUSS = (() => {
  const half = (WINDOW - 1) / 2;
  const k = Array.from({ length: WINDOW }, (_, i) => Math.exp(-((i - half) ** 2) / (2 * SIGMA * SIGMA)));
  const sum = k.reduce((s, v) => s + v, 0);
  return k.map((v) => v / sum);
})();

/**
 * The 11x11 Gaussian filter (the outer product of GAUSS, applied as two 1-D passes) over the valid
 * region only: what BasicSR keeps of cv2.filter2D's output after cutting 5 pixels per side.
 */
function filterValid(src: Float64Array, width: number, height: number): Float64Array {
  const vw = width - WINDOW + 1;
  const vh = height - WINDOW + 1;
  const rows = new Float64Array(vw * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < vw; x++) {
      let s = 0;
      for (let k = 0; k < WINDOW; k++) s += GAUSS[k] * src[y * width + x + k];
      rows[y * vw + x] = s;
    }
  }
  const out = new Float64Array(vw * vh);
  for (let y = 0; y < vh; y++) {
    for (let x = 0; x < vw; x++) {
      let s = 0;
      for (let k = 0; k < WINDOW; k++) s += GAUSS[k] * rows[(y + k) * vw + x];
      out[y * vw + x] = s;
    }
  }
  return out;
}

function times(x: Float64Array, y: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * y[i];
  return out;
}

function ssimPlane(a: Float64Array, b: Float64Array, width: number, height: number): number {
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  const filter = (plane: Float64Array) => filterValid(plane, width, height);
  const mu1 = filter(a);
  const mu2 = filter(b);
  const aa = filter(times(a, a));
  const bb = filter(times(b, b));
  const ab = filter(times(a, b));
  let sum = 0;
  for (let i = 0; i < mu1.length; i++) {
    const m1 = mu1[i];
    const m2 = mu2[i];
    const s1 = aa[i] - m1 * m1;
    const s2 = bb[i] - m2 * m2;
    const s12 = ab[i] - m1 * m2;
    sum += ((2 * m1 * m2 + c1) * (2 * s12 + c2)) / ((m1 * m1 + m2 * m2 + c1) * (s1 + s2 + c2));
  }
  return sum / mu1.length;
}
