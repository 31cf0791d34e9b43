import { existsSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import type { Command } from "commander";
import { type Image, toByte } from "../../../runtime/core/image.js";
import { psnr, ssim } from "../../../runtime/core/metrics.js";
import { resizeBicubic } from "../../../runtime/core/resize.js";
import type { Tiling } from "../../../runtime/core/tile.js";
import { readImageFile, writeFileAtomic } from "../../../runtime/node/files.js";
import { ExitCode, QmcError } from "../../diagnostics.js";
import { asUserErrors, loadModelOrArtifact, progressBar } from "../artifact-loader.js";
import { guarded, parseNumber } from "../errors.js";
import {
  applyLimits,
  type LimitOptions,
  limitOptions,
  type PixelLimitOptions,
  pixelLimitOption,
} from "../limit-options.js";
import { describeTiling } from "./run.js";

interface EvalOptions extends LimitOptions, PixelLimitOptions {
  dataset: string;
  scale: number;
  report?: string;
  tile?: number;
  overlap?: number;
  json?: boolean;
}

interface Score {
  readonly psnr: number;
  readonly ssim: number;
}

interface Row {
  readonly image: string;
  readonly model: Score;
  /** Bicubic upsampling: the dataset's own (Bicx{S}_upsampled/) when it ships one, else MATLAB-style imresize. */
  readonly bicubic?: Score;
  readonly tiling: Tiling;
}

export function registerEval(program: Command): void {
  const command = program
    .command("eval")
    .description(
      "PSNR/SSIM of a super-resolution model on a dataset folder (HR/ and LRbicx{S}/), BasicSR conventions: Y channel, crop = scale",
    )
    .argument("<model>", "an .onnx model or a qmc artifact")
    .requiredOption("--dataset <dir>", "a folder with HR/ and LRbicx{S}/ (and optionally Bicx{S}_upsampled/) PNGs")
    .requiredOption("--scale <s>", "the upscaling factor (picks LRbicx{S}/)", parseNumber)
    .option("--report <file>", "write the per-image results as JSON")
    .option(
      "--tile <n>",
      "restore in overlapping square tiles of n pixels (the result depends on the tiling)",
      parseNumber,
    )
    .option("--overlap <n>", "pixels shared by neighbouring tiles (default 0)", parseNumber)
    .option("--json", "print the report as JSON");
  limitOptions(pixelLimitOption(command)).action((model: string, opts: EvalOptions) =>
    guarded(() => asUserErrors(() => evaluate(model, opts))),
  );
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

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
function cropTo<D extends Image["data"]>(image: Image<D>, width: number, height: number): Image<D> {
  if (image.width === width && image.height === height) return image;
  const data = new (image.data.constructor as new (n: number) => D)(width * height * image.channels);
  for (let y = 0; y < height; y++) {
    const from = y * image.width * image.channels;
    data.set(image.data.subarray(from, from + width * image.channels), y * width * image.channels);
  }
  return { data, width, height, channels: image.channels };
}

function toBytes(image: Image<Float32Array>): Image<Uint8Array> {
  return { ...image, data: Uint8Array.from(image.data, toByte) };
}

async function evaluate(modelPath: string, opts: EvalOptions): Promise<number> {
  const scale = opts.scale;
  if (!Number.isInteger(scale) || scale < 1) throw new QmcError(`--scale ${scale} is not a positive integer`);
  if (opts.overlap !== undefined && opts.tile === undefined) throw new QmcError("--overlap needs --tile");
  applyLimits(opts);
  const read = (path: string) => readImageFile(path, { maxPixels: opts.maxPixels }).image;
  const hrDir = join(opts.dataset, "HR");
  const lrDir = join(opts.dataset, `LRbicx${scale}`);
  const bicDir = join(opts.dataset, `Bicx${scale}_upsampled`);
  for (const dir of [hrDir, lrDir]) {
    if (!existsSync(dir)) throw new QmcError(`${dir}: no such folder (the dataset needs HR/ and LRbicx${scale}/)`);
  }
  const names = pngsIn(lrDir).filter((name) => existsSync(join(hrDir, name)));
  if (names.length === 0) throw new QmcError(`${lrDir}: no PNG with a namesake in ${hrDir}`);
  const model = await loadModelOrArtifact(modelPath);
  if (model.info.scale !== scale) {
    throw new QmcError(`${modelPath} upscales x${model.info.scale}, --scale is ${scale}`);
  }
  const measure = { crop: scale, y: true };
  const score = (gt: Image, restored: Image): Score => ({
    psnr: psnr(gt, restored, measure),
    ssim: ssim(gt, restored, measure),
  });
  const rows: Row[] = [];
  const bar = progressBar("images");
  try {
    for (const name of names) {
      const lr = read(join(lrDir, name));
      const hr = cropTo(read(join(hrDir, name)), lr.width * scale, lr.height * scale);
      const restored = await model.restore(lr, { tile: opts.tile, overlap: opts.overlap });
      const bicPath = join(bicDir, name);
      // The dataset's own upsampling when it ships one, else MATLAB-style bicubic of the LR image.
      const upsampled = existsSync(bicPath)
        ? cropTo(read(bicPath), hr.width, hr.height)
        : toBytes(resizeBicubic(lr, hr.width, hr.height));
      const bicubic = score(hr, upsampled);
      rows.push({ image: basename(name, ".png"), model: score(hr, restored.image), bicubic, tiling: restored.tiling });
      bar.update(rows.length, names.length);
    }
  } finally {
    bar.stop();
  }
  const average = (pick: (r: Row) => Score | undefined): Score | undefined => {
    const scores = rows.map(pick);
    if (scores.some((s) => s === undefined)) return undefined;
    const defined = scores as Score[];
    return { psnr: mean(defined.map((s) => s.psnr)), ssim: mean(defined.map((s) => s.ssim)) };
  };
  const report = {
    model: model.info,
    dataset: opts.dataset,
    scale,
    metric: "PSNR (dB) and SSIM on the Y channel of BT.601 YCbCr, border of `scale` pixels cropped (BasicSR)",
    tile: opts.tile ?? null,
    overlap: opts.tile === undefined ? null : (opts.overlap ?? 0),
    images: rows,
    average: { model: average((r) => r.model), bicubic: average((r) => r.bicubic) },
  };
  if (opts.report) writeFileAtomic(opts.report, `${JSON.stringify(report, null, 2)}\n`);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return ExitCode.ok;
  }
  const cell = (s: Score | undefined) =>
    s ? `${s.psnr.toFixed(4).padStart(8)} / ${s.ssim.toFixed(4)}` : "       -         ";
  const width = Math.max(7, ...rows.map((r) => r.image.length));
  process.stdout.write(`${"image".padEnd(width)}  model PSNR / SSIM   bicubic PSNR / SSIM  tiling\n`);
  for (const r of rows) {
    process.stdout.write(
      `${r.image.padEnd(width)}  ${cell(r.model)}   ${cell(r.bicubic)}    ${describeTiling(r.tiling)}\n`,
    );
  }
  process.stdout.write(`${"average".padEnd(width)}  ${cell(report.average.model)}   ${cell(report.average.bicubic)}\n`);
  process.stdout.write(`(${report.metric})\n`);
  return ExitCode.ok;
}
