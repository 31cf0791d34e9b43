import { join } from "node:path";
import { QmcError } from "../compiler/diagnostics.js";
import { Tensor } from "../compiler/ir/tensor.js";
import { readImageFile } from "../runtime/node/files.js";

const IMAGES = join(import.meta.dirname, "..", "samples", "images");

/**
 * An h x w crop from the middle of a sample photo as a model input [1, C, h, w] in [0, 1]: the
 * colour flower for 3 channels, its gray version for 1.
 */
export function samplePhoto(channels: number, h: number, w: number): Tensor {
  const file = join(IMAGES, channels === 1 ? "flower-gray-64x64.png" : "flower-96x96.png");
  const { image } = readImageFile(file);
  if (image.channels < channels || image.height < h || image.width < w) {
    throw new QmcError(
      `${file}: ${image.width}x${image.height}x${image.channels}, too small for ${w}x${h}x${channels}`,
    );
  }
  const top = (image.height - h) >> 1;
  const left = (image.width - w) >> 1;
  const data = new Float32Array(channels * h * w);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        data[(c * h + y) * w + x] = image.data[((top + y) * image.width + left + x) * image.channels + c] / 255;
      }
    }
  }
  return new Tensor("float32", [1, channels, h, w], data);
}
