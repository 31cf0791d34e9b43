import { existsSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { type Image, toByte } from "../../runtime/core/image.js";
import { resizeBicubic } from "../../runtime/core/resize.js";
import { addGaussianNoise, dropAlpha, toGray } from "../../runtime/node/degrade.js";
import { readImageFile } from "../../runtime/node/files.js";
import { jpegRoundTrip } from "../../runtime/node/jpeg.js";
import { QmcError } from "../diagnostics.js";

/** What `qmc eval` measures: the three tasks of the sample zoo, as the models' meta.task names them. */
export type EvalTask = "sr" | "denoise" | "car";
export const EVAL_TASKS: readonly EvalTask[] = ["sr", "denoise", "car"];

/** Each task's trivial baseline: its name in reports and its key in the JSON report. */
export const BASELINES: Readonly<Record<EvalTask, { readonly label: string; readonly key: string }>> = {
  sr: { label: "bicubic", key: "bicubic" },
  denoise: { label: "noisy input", key: "noisy" },
  car: { label: "JPEG input", key: "jpeg" },
};

export interface DegradeOptions {
  readonly task: EvalTask;
  readonly scale: number;
  /** The model's color planes: a gray model is measured on PIL-style luma of the dataset. */
  readonly channels: number;
  readonly sigma: number;
  readonly quality: number;
  readonly seed: number;
  readonly maxPixels?: number;
}

/** One evaluation pair: what the model gets, what it should give back, and the trivial answer. */
export interface EvalSample {
  readonly name: string;
  /** 8-bit, except the denoising input, which stays float as the models were trained on it. */
  readonly input: Image<Uint8Array | Float32Array>;
  readonly groundTruth: Image<Uint8Array>;
  readonly baseline: Image<Uint8Array>;
  /** How the input was made, for the report. */
  readonly source: string;
}

function pngsIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.toLowerCase().endsWith(".png"))
      .sort();
  } catch (e) {
    throw new QmcError(`${dir}: cannot list (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** BasicSR's paired dataset crops the ground truth to the LR size times the scale before measuring. */
export function cropTo<D extends Image["data"]>(image: Image<D>, width: number, height: number): Image<D> {
  if (image.width === width && image.height === height) return image;
  const data = new (image.data.constructor as new (n: number) => D)(width * height * image.channels);
  for (let y = 0; y < height; y++) {
    const from = y * image.width * image.channels;
    data.set(image.data.subarray(from, from + width * image.channels), y * width * image.channels);
  }
  return { data, width, height, channels: image.channels };
}

export function toBytes(image: Image<Float32Array>): Image<Uint8Array> {
  return { ...image, data: Uint8Array.from(image.data, toByte) };
}

/**
 * The evaluation pairs of a dataset folder for a task. Super-resolution reads LRbicx{S}/ where the
 * dataset ships it (else makes LR images from HR/ with MATLAB-style bicubic, as the exporter does),
 * and Bicx{S}_upsampled/ as its baseline where shipped. Denoising adds seeded Gaussian noise (seed +
 * the image's index) and JPEG artifact removal compresses, both from HR/. Pairs are made one at a
 * time (`load`), so a large dataset is never held whole.
 */
export function evalSamples(
  dataset: string,
  options: DegradeOptions,
): { names: string[]; load(index: number): EvalSample } {
  const { task, scale } = options;
  const hrDir = join(dataset, "HR");
  const lrDir = join(dataset, `LRbicx${scale}`);
  if (!existsSync(hrDir)) throw new QmcError(`${hrDir}: no such folder (the dataset needs HR/)`);
  const read = (path: string) => {
    const image = dropAlpha(readImageFile(path, { maxPixels: options.maxPixels }).image);
    return options.channels === 1 ? toGray(image) : image;
  };
  const shippedLr = task === "sr" && existsSync(lrDir);
  const names = shippedLr ? pngsIn(lrDir).filter((name) => existsSync(join(hrDir, name))) : pngsIn(hrDir);
  if (names.length === 0) {
    throw new QmcError(shippedLr ? `${lrDir}: no PNG with a namesake in ${hrDir}` : `${hrDir}: no PNG images`);
  }
  const load = (index: number): EvalSample => {
    const file = names[index];
    const name = basename(file, ".png");
    const hr = read(join(hrDir, file));
    if (task === "denoise") {
      const noisy = addGaussianNoise(hr, options.sigma, options.seed + index);
      const source = `Gaussian noise, sigma ${options.sigma}, seed ${options.seed + index}`;
      return { name, input: noisy, groundTruth: hr, baseline: toBytes(noisy), source };
    }
    if (task === "car") {
      const jpeg = jpegRoundTrip(hr, options.quality);
      return { name, input: jpeg, groundTruth: hr, baseline: jpeg, source: `JPEG quality ${options.quality}` };
    }
    const lr = shippedLr
      ? read(join(lrDir, file))
      : toBytes(resizeBicubic(hr, Math.floor(hr.width / scale), Math.floor(hr.height / scale)));
    if (lr.width < 1 || lr.height < 1) throw new QmcError(`${file}: smaller than the scale ${scale}`);
    const groundTruth = cropTo(hr, lr.width * scale, lr.height * scale);
    const upsampledPath = join(dataset, `Bicx${scale}_upsampled`, file);
    // The dataset's own upsampling when it ships one, else MATLAB-style bicubic of the LR image.
    const baseline = existsSync(upsampledPath)
      ? cropTo(read(upsampledPath), groundTruth.width, groundTruth.height)
      : toBytes(resizeBicubic(lr, groundTruth.width, groundTruth.height));
    const source = shippedLr ? `LRbicx${scale}/${file}` : `MATLAB bicubic x1/${scale} of HR/${file}`;
    return { name, input: lr, groundTruth, baseline, source };
  };
  return { names: names.map((file) => basename(file, ".png")), load };
}
