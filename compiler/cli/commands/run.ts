import type { Command } from "commander";
import type { Tiling } from "../../../runtime/core/tile.js";
import { readImageFile, writeImageFile } from "../../../runtime/node/files.js";
import { ExitCode, QmcError, terminalJson, terminalLines } from "../../diagnostics.js";
import {
  AUTO_ARENA_CAP,
  asUserErrors,
  loadModelOrArtifact,
  progressBar,
  type RunModel,
  tileOptionsFor,
} from "../artifact-loader.js";
import { guarded, parseNonEmpty, parseNumber, parsePositiveInteger } from "../errors.js";
import {
  applyLimits,
  type LimitOptions,
  limitOptions,
  type PixelLimitOptions,
  pixelLimitOption,
} from "../limit-options.js";

interface RunOptions extends LimitOptions, PixelLimitOptions {
  output: string;
  tile?: number;
  overlap?: number;
  threads?: number;
  target?: string;
  json?: boolean;
}

/** --threads, shared with eval. */
export function threadsOption(command: Command): Command {
  return command.option(
    "--threads <n>",
    "threads restoring tiles in parallel (default: every core); the output does not depend on it",
    parsePositiveInteger,
  );
}

/** --target, shared with eval. */
export function targetOption(command: Command): Command {
  return command.option(
    "--target <t>",
    "the target an .onnx model is compiled to in memory (default: the best wasm this host runs: wasm-relaxed, wasm-simd or wasm)",
    parseNonEmpty,
  );
}

export function registerRun(program: Command): void {
  const command = program
    .command("run")
    .description(
      "restore one PNG image with a model (.onnx, compiled in memory) or a compiled artifact (.wasm, .js, .ts)",
    )
    .argument("<model>", "an .onnx model or a qmc artifact")
    .argument("<input>", "a PNG image (gray, RGB or RGBA)")
    .requiredOption("-o, --output <file>", "the restored PNG")
    .option(
      "--tile <n>",
      `restore in overlapping square tiles of n pixels (the result depends on the tiling; default: the artifact's meta.tile, else the whole image, or the largest tile whose arena fits in ${AUTO_ARENA_CAP / 2 ** 20} MiB when the whole image's would not)`,
      parseNumber,
    )
    .option("--overlap <n>", "pixels shared by neighbouring tiles (default 0)", parseNumber)
    .option("--json", "print what was done as JSON");
  limitOptions(pixelLimitOption(targetOption(threadsOption(command)))).action(
    (model: string, input: string, opts: RunOptions) => guarded(() => asUserErrors(() => run(model, input, opts))),
  );
}

export function describeTiling(t: Tiling): string {
  if (t.tile === null) return "whole image in one run";
  return `${t.ys.length * t.xs.length} tiles (${t.ys.length}x${t.xs.length}) of ${t.tile} px, overlap ${t.overlap}`;
}

/** Reads the input image, ending the model's workers when it cannot be read. */
async function readInput(path: string, maxPixels: number | undefined, model: RunModel) {
  try {
    return readImageFile(path, { maxPixels });
  } catch (e) {
    await model.close();
    throw e;
  }
}

async function run(modelPath: string, inputPath: string, opts: RunOptions): Promise<number> {
  if (opts.overlap !== undefined && opts.tile === undefined) throw new QmcError("--overlap needs --tile");
  applyLimits(opts);
  const model = await loadModelOrArtifact(modelPath, { threads: opts.threads, target: opts.target });
  const { image, notes } = await readInput(inputPath, opts.maxPixels, model);
  for (const note of notes) process.stderr.write(terminalLines(`qmc: ${inputPath}: ${note}\n`));
  const bar = progressBar("tiles");
  const tiles = tileOptionsFor(model.info, image.width, image.height, opts.tile, opts.overlap, true);
  const restored = await model.restore(image, { ...tiles, onProgress: bar.update }).finally(() => {
    bar.stop();
    return model.close();
  });
  writeImageFile(opts.output, restored.image);
  const out = restored.image;
  if (opts.json) {
    const result = {
      model: model.info,
      input: { file: inputPath, width: image.width, height: image.height, channels: image.channels },
      output: { file: opts.output, width: out.width, height: out.height, channels: out.channels },
      tiling: restored.tiling,
      threads: model.threads,
    };
    process.stdout.write(`${terminalJson(result, 2)}\n`);
  } else {
    process.stdout.write(
      terminalLines(
        `${opts.output}: ${out.width}x${out.height} from ${image.width}x${image.height} (x${model.info.scale}), ` +
          `${describeTiling(restored.tiling)}\n`,
      ),
    );
  }
  return ExitCode.ok;
}
