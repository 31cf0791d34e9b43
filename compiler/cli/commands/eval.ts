import { basename, extname } from "node:path";
import type { Command } from "commander";
import type { Image } from "../../../runtime/core/image.js";
import { psnr, ssim } from "../../../runtime/core/metrics.js";
import type { Tiling } from "../../../runtime/core/tile.js";
import { writeFileAtomic } from "../../../runtime/node/files.js";
import { ExitCode, QmcError, terminalJson, terminalLines } from "../../diagnostics.js";
import { asUserErrors, loadModelOrArtifact, progressBar, type RunModel, tileOptionsFor } from "../artifact-loader.js";
import { guarded, parseNumber } from "../errors.js";
import { type CropSet, crop, cropRegion, type HtmlReportRow, renderHtmlReport, type Score } from "../eval-report.js";
import { BASELINES, EVAL_TASKS, type EvalTask, evalSamples, toBytes } from "../eval-tasks.js";
import {
  applyLimits,
  type LimitOptions,
  limitOptions,
  type PixelLimitOptions,
  pixelLimitOption,
} from "../limit-options.js";
import { describeTiling, targetOption, threadsOption } from "./run.js";

interface EvalOptions extends LimitOptions, PixelLimitOptions {
  dataset: string;
  task?: string;
  scale?: number;
  sigma: number;
  quality: number;
  seed: number;
  report?: string;
  tile?: number;
  overlap?: number;
  threads?: number;
  target?: string;
  json?: boolean;
}

interface Row {
  readonly image: string;
  readonly model: Score;
  /** The task's trivial answer: bicubic upsampling, the noisy input, the JPEG input. */
  readonly baseline: Score;
  readonly tiling: Tiling;
  readonly source: string;
}

export function registerEval(program: Command): void {
  const command = program
    .command("eval")
    .description(
      "PSNR/SSIM of a model on a dataset folder (HR/, for SR also LRbicx{S}/) next to its task's trivial baseline, BasicSR conventions: Y channel, crop = scale for SR, none otherwise",
    )
    .argument("<model>", "an .onnx model or a qmc artifact")
    .requiredOption(
      "--dataset <dir>",
      "a folder with HR/ PNGs (SR: LRbicx{S}/ and Bicx{S}_upsampled/ are used where present)",
    )
    .option(
      "--task <task>",
      `${EVAL_TASKS.join(", ")}: super-resolution, Gaussian denoising, JPEG artifact removal (default: the model's meta.task)`,
    )
    .option("--scale <s>", "the upscaling factor (default: the model's; picks LRbicx{S}/)", parseNumber)
    .option("--sigma <n>", "denoising: noise standard deviation in 8-bit levels", parseNumber, 25)
    .option("--quality <q>", "JPEG artifact removal: JPEG quality 1-100 (libjpeg's tables)", parseNumber, 10)
    .option("--seed <n>", "denoising: the first image's noise seed (image k gets seed + k)", parseNumber, 0)
    .option("--report <file>", "write the results: FILE.html as a self-contained page with crops, else JSON")
    .option(
      "--tile <n>",
      "restore in overlapping square tiles of n pixels (the result depends on the tiling; default: the artifact's meta.tile, else whole images, as the reference evaluation runs them)",
      parseNumber,
    )
    .option("--overlap <n>", "pixels shared by neighbouring tiles (default 0)", parseNumber)
    .option("--json", "print the report as JSON");
  limitOptions(pixelLimitOption(targetOption(threadsOption(command)))).action((model: string, opts: EvalOptions) =>
    guarded(() => asUserErrors(() => evaluate(model, opts))),
  );
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

function averageOf(scores: readonly Score[]): Score {
  return { psnr: mean(scores.map((s) => s.psnr)), ssim: mean(scores.map((s) => s.ssim)) };
}

function checkOptions(opts: EvalOptions): void {
  if (opts.scale !== undefined && (!Number.isInteger(opts.scale) || opts.scale < 1)) {
    throw new QmcError(`--scale ${opts.scale} is not a positive integer`);
  }
  if (opts.task !== undefined && !EVAL_TASKS.includes(opts.task as EvalTask)) {
    throw new QmcError(`--task ${opts.task}: expected one of ${EVAL_TASKS.join(", ")}`);
  }
  if (!Number.isInteger(opts.quality) || opts.quality < 1 || opts.quality > 100) {
    throw new QmcError(`--quality ${opts.quality} is not an integer from 1 to 100`);
  }
  if (opts.sigma < 0) throw new QmcError(`--sigma ${opts.sigma} is negative`);
  if (!Number.isInteger(opts.seed) || opts.seed < 0) throw new QmcError(`--seed ${opts.seed} is not an integer >= 0`);
  if (opts.overlap !== undefined && opts.tile === undefined) throw new QmcError("--overlap needs --tile");
}

/** The task: asked for, else the model's own (meta.task), else super-resolution for an upscaling model. */
function taskOf(opts: EvalOptions, metaTask: unknown, modelScale: number, modelPath: string): EvalTask {
  if (opts.task !== undefined) return opts.task as EvalTask;
  if (EVAL_TASKS.includes(metaTask as EvalTask)) return metaTask as EvalTask;
  if (modelScale > 1) return "sr";
  throw new QmcError(
    `${modelPath}: its meta names no task (${JSON.stringify(metaTask)}) and it does not upscale: say --task ${EVAL_TASKS.join("|")}`,
  );
}

async function evaluate(modelPath: string, opts: EvalOptions): Promise<number> {
  checkOptions(opts);
  applyLimits(opts);
  const model = await loadModelOrArtifact(modelPath, { threads: opts.threads, target: opts.target });
  try {
    return await evaluateWith(model, modelPath, opts);
  } finally {
    await model.close();
  }
}

async function evaluateWith(model: RunModel, modelPath: string, opts: EvalOptions): Promise<number> {
  const scale = opts.scale ?? model.info.scale;
  if (model.info.scale !== scale) {
    throw new QmcError(`${modelPath} upscales x${model.info.scale}, --scale is ${scale}`);
  }
  const task = taskOf(opts, model.info.task, scale, modelPath);
  if (task !== "sr" && scale !== 1) {
    throw new QmcError(`${modelPath} upscales x${scale}: --task ${task} needs a model that keeps the size`);
  }
  if (task === "sr" && scale === 1) throw new QmcError(`${modelPath} does not upscale: --task sr needs a scale > 1`);
  const dataset = evalSamples(opts.dataset, {
    task,
    scale,
    channels: model.info.channels,
    sigma: opts.sigma,
    quality: opts.quality,
    seed: opts.seed,
    maxPixels: opts.maxPixels,
  });
  const html = opts.report !== undefined && extname(opts.report).toLowerCase() === ".html";
  const measure = { crop: task === "sr" ? scale : 0, y: true };
  const score = (gt: Image, restored: Image): Score => ({
    psnr: psnr(gt, restored, measure),
    ssim: ssim(gt, restored, measure),
  });
  const rows: Row[] = [];
  const crops: CropSet[] = [];
  const bar = progressBar("images");
  try {
    for (let i = 0; i < dataset.names.length; i++) {
      const sample = dataset.load(i);
      const { width, height } = sample.input;
      const restored = await model.restore(
        sample.input,
        tileOptionsFor(model.info, width, height, opts.tile, opts.overlap, false),
      );
      const output =
        restored.image.data instanceof Float32Array
          ? toBytes(restored.image as Image<Float32Array>)
          : (restored.image as Image<Uint8Array>);
      rows.push({
        image: sample.name,
        model: score(sample.groundTruth, output),
        baseline: score(sample.groundTruth, sample.baseline),
        tiling: restored.tiling,
        source: sample.source,
      });
      if (html) {
        const region = cropRegion(output.width, output.height, scale);
        const input =
          sample.input.data instanceof Float32Array ? toBytes(sample.input as Image<Float32Array>) : sample.input;
        crops.push({
          region,
          input: crop(input as Image<Uint8Array>, region, scale),
          output: crop(output, region),
          groundTruth: crop(sample.groundTruth, region),
          baseline: crop(sample.baseline, region),
        });
      }
      bar.update(rows.length, dataset.names.length);
    }
  } finally {
    bar.stop();
  }
  const baseline = BASELINES[task];
  const average = { model: averageOf(rows.map((r) => r.model)), baseline: averageOf(rows.map((r) => r.baseline)) };
  const border = task === "sr" ? `border of ${scale} pixels cropped` : "whole images";
  const metric = `PSNR (dB) and SSIM on the Y channel of BT.601 YCbCr, ${border} (BasicSR)`;
  const degradation =
    task === "sr"
      ? `x${scale} bicubic LR`
      : task === "denoise"
        ? `Gaussian noise sigma ${opts.sigma}, seeds from ${opts.seed}`
        : `JPEG quality ${opts.quality} (libjpeg islow, gray)`;
  // The baseline keeps its own key (bicubic, noisy, jpeg) so the JSON says what it compares with.
  const report = {
    model: model.info,
    dataset: opts.dataset,
    task,
    scale,
    degradation,
    baseline: baseline.label,
    metric,
    tile: opts.tile ?? null,
    overlap: opts.tile === undefined ? null : (opts.overlap ?? 0),
    images: rows.map((r) => ({ image: r.image, model: r.model, [baseline.key]: r.baseline, tiling: r.tiling })),
    average: { model: average.model, [baseline.key]: average.baseline },
  };
  if (opts.report && html) {
    const name = String(model.info.model ?? model.info.name ?? "?");
    const page = renderHtmlReport({
      title: `qmc eval: ${basename(modelPath)} on ${opts.dataset}`,
      facts: [
        ["model", `${modelPath} (its meta names it ${JSON.stringify(name)})`],
        ["target", String(model.info.target ?? "?")],
        ["task", `${task}, ${degradation}`],
        ["dataset", opts.dataset],
        ["metric", metric],
      ],
      baselineLabel: baseline.label,
      rows: rows.map((r, i): HtmlReportRow => ({ ...r, tiling: describeTiling(r.tiling), crops: crops[i] })),
      average,
    });
    writeFileAtomic(opts.report, page);
  } else if (opts.report) {
    writeFileAtomic(opts.report, `${JSON.stringify(report, null, 2)}\n`);
  }
  if (opts.json) {
    process.stdout.write(`${terminalJson(report, 2)}\n`);
    return ExitCode.ok;
  }
  const cell = (s: Score) => `${s.psnr.toFixed(4).padStart(8)} / ${s.ssim.toFixed(4)}`;
  const width = Math.max(7, ...rows.map((r) => r.image.length));
  const baselineHead = `${baseline.label} PSNR / SSIM`.padStart(19);
  process.stdout.write(terminalLines(`${"image".padEnd(width)}  model PSNR / SSIM  ${baselineHead}  tiling\n`));
  for (const r of rows) {
    process.stdout.write(
      terminalLines(
        `${r.image.padEnd(width)}  ${cell(r.model)}   ${cell(r.baseline)}    ${describeTiling(r.tiling)}\n`,
      ),
    );
  }
  process.stdout.write(
    terminalLines(`${"average".padEnd(width)}  ${cell(average.model)}   ${cell(average.baseline)}\n`),
  );
  process.stdout.write(terminalLines(`(${task}: ${degradation}; ${metric})\n`));
  return ExitCode.ok;
}
