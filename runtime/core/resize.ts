import { QmcRuntimeError } from "./errors.js";
import type { Image } from "./image.js";

/**
 * Bicubic resizing as MATLAB's imresize (and BasicSR's port of it) computes it: Keys' cubic with
 * a = -0.5, the kernel widened by 1/scale when shrinking (antialiasing), weights normalised per
 * output pixel, symmetric padding at the borders, rows first, then columns, in float64. This is how
 * the standard SR datasets' LR images and bicubic baselines are made.
 */
export function resizeBicubic(image: Image, width: number, height: number): Image<Float32Array> {
  const { channels } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new QmcRuntimeError(`resize: ${width}x${height} is not a positive integer size`);
  }
  const toUnit = image.data instanceof Float32Array ? 1 : 1 / 255;
  const src = Float64Array.from(image.data, (v) => v * toUnit);
  const rows = contributions(image.height, height);
  const cols = contributions(image.width, width);
  const mid = new Float64Array(height * image.width * channels);
  for (let y = 0; y < height; y++) {
    const { index, weight } = rows[y];
    for (let x = 0; x < image.width; x++) {
      for (let c = 0; c < channels; c++) {
        let s = 0;
        for (let k = 0; k < index.length; k++) s += weight[k] * src[(index[k] * image.width + x) * channels + c];
        mid[(y * image.width + x) * channels + c] = s;
      }
    }
  }
  const out = new Float32Array(height * width * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const { index, weight } = cols[x];
      for (let c = 0; c < channels; c++) {
        let s = 0;
        for (let k = 0; k < index.length; k++) s += weight[k] * mid[(y * image.width + index[k]) * channels + c];
        out[(y * width + x) * channels + c] = s;
      }
    }
  }
  return { data: out, width, height, channels };
}

function cubic(x: number): number {
  const a = Math.abs(x);
  if (a <= 1) return 1.5 * a ** 3 - 2.5 * a ** 2 + 1;
  if (a <= 2) return -0.5 * a ** 3 + 2.5 * a ** 2 - 4 * a + 2;
  return 0;
}

/** For each output position along one axis: the input indices it reads and their weights. */
function contributions(inLength: number, outLength: number): { index: number[]; weight: number[] }[] {
  const scale = outLength / inLength;
  const shrink = scale < 1;
  const width = shrink ? 4 / scale : 4;
  const taps = Math.ceil(width) + 2;
  const result: { index: number[]; weight: number[] }[] = [];
  for (let o = 1; o <= outLength; o++) {
    const u = o / scale + 0.5 * (1 - 1 / scale);
    const left = Math.floor(u - width / 2);
    const index: number[] = [];
    const weight: number[] = [];
    let sum = 0;
    for (let k = 0; k < taps; k++) {
      const j = left + k;
      const wgt = shrink ? scale * cubic((u - j) * scale) : cubic(u - j);
      if (wgt === 0) continue;
      index.push(mirror(j, inLength) - 1);
      weight.push(wgt);
      sum += wgt;
    }
    result.push({ index, weight: weight.map((v) => v / sum) });
  }
  return result;
}

/** MATLAB's symmetric padding of a 1-based index: 0 -> 1, -1 -> 2, L+1 -> L. */
function mirror(j: number, n: number): number {
  let i = j;
  while (i < 1 || i > n) i = i < 1 ? 1 - i : 2 * n + 1 - i;
  return i;
}
