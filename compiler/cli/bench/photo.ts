import { join } from "node:path";
import { readImageFile } from "../../../runtime/node/files.js";
import { QmcError } from "../../diagnostics.js";
import { Tensor } from "../../ir/tensor.js";
import { packageRoot } from "../../version.js";

/** The photo an input of `channels` is cut from, relative to qmc's package folder. */
export function samplePhotoFile(channels: number): string {
  return join("samples", "images", channels === 1 ? "flower-gray-64x64.png" : "flower-96x96.png");
}

/** An index into 0..n-1 mirrored at the borders (without repeating the border pixel), for any i. */
function mirrored(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n - 2;
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/**
 * The same input for every contender: an h x w crop from the middle of a sample photo as a model
 * input [1, C, h, w] in [0, 1], the colour flower for 3 channels, its gray version for 1. A crop
 * larger than the photo continues it mirrored, so any size has a deterministic, photo-like input
 * (a dynamic quantizer's codes, and so some kernels' work, depend on the data; noise would not do).
 */
export function samplePhoto(channels: number, h: number, w: number): Tensor {
  if (channels !== 1 && channels !== 3) {
    throw new QmcError(`the model takes ${channels} input channels; the sample photos have 1 (gray) or 3 (RGB)`);
  }
  const { image } = readImageFile(join(packageRoot().dir, samplePhotoFile(channels)));
  const top = (image.height - h) >> 1;
  const left = (image.width - w) >> 1;
  const data = new Float32Array(channels * h * w);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < h; y++) {
      const row = mirrored(top + y, image.height) * image.width;
      for (let x = 0; x < w; x++) {
        data[(c * h + y) * w + x] = image.data[(row + mirrored(left + x, image.width)) * image.channels + c] / 255;
      }
    }
  }
  return new Tensor("float32", [1, channels, h, w], data);
}
