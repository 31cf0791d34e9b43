import { type Command, InvalidArgumentError } from "commander";
import { ExitCode, QmcError, terminalJson, terminalLines } from "../../diagnostics.js";
import { asUserErrors, progressBar } from "../artifact-loader.js";
import { benchModel } from "../bench/bench-model.js";
import { parseVs } from "../bench/onnxruntime.js";
import { reportText } from "../bench/report.js";
import { DEFAULT_WINDOW } from "../bench/timing.js";
import { guarded, parseNumber, parsePositiveInteger } from "../errors.js";
import { parseSize } from "../size-options.js";

interface BenchOptions {
  size?: { h: number; w: number };
  targets?: string;
  vs?: string;
  vsModel?: string;
  threads: number;
  tile?: number;
  runs?: number;
  budget?: number;
  json?: boolean;
}

function parseSeconds(value: string): number {
  const n = parseNumber(value);
  if (n <= 0) throw new InvalidArgumentError(`${n} is not a positive number of seconds.`);
  return n;
}

export function registerBench(program: Command): void {
  program
    .command("bench")
    .description(
      "time a model under qmc's targets, and onnxruntime beside it, side by side in one process: medians with min and max, and every pair's ratio",
    )
    .argument("<model>", "an .onnx model (compiled in memory for each target) or a qmc artifact (.wasm, .js, .ts)")
    .option("--size <HxW>", "the input size (default: the model's fixed size, else 64x64)", parseSize)
    .option(
      "--targets <t,t>",
      "targets an .onnx model is compiled to (default: the wasm SIMD targets this host runs: wasm-simd, and wasm-relaxed where Node runs it)",
    )
    .option(
      "--vs <runtimes>",
      "time onnxruntime too: ort-node (native, onnxruntime-node), ort-web (wasm SIMD, onnxruntime-web) or both, comma-separated",
    )
    .option(
      "--vs-model <file>",
      "the model onnxruntime runs (default: MODEL.std.onnx beside the model, as the exporter writes it, else the model itself if it is standard ONNX)",
    )
    .option(
      "--threads <n>",
      "threads per contender: above 1, qmc restores tiles on a worker pool of n and onnxruntime-node gets n intra-op threads (onnxruntime-web stays on one)",
      parsePositiveInteger,
      1,
    )
    .option(
      "--tile <n>",
      "with --threads above 1: the tiles' side in pixels (default: enough tiles for every thread)",
      parsePositiveInteger,
    )
    .option(
      "--runs <n>",
      `exactly n timed rounds (default: at least ${DEFAULT_WINDOW.minRounds}, more within the budget, at most ${DEFAULT_WINDOW.maxRounds})`,
      parsePositiveInteger,
    )
    .option("--budget <seconds>", `time for the timed rounds (default ${DEFAULT_WINDOW.budgetMs / 1000})`, parseSeconds)
    .option("--json", "print every run, the medians, mins, maxes and ratios as JSON")
    .action((model: string, opts: BenchOptions) => guarded(() => asUserErrors(() => bench(model, opts))));
}

/** The command line as typed, each argument quoted where a shell would need it. */
function commandLine(): string {
  const quoted = process.argv.slice(2).map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`));
  return ["qmc", ...quoted].join(" ");
}

async function bench(model: string, opts: BenchOptions): Promise<number> {
  if (opts.tile !== undefined && opts.threads === 1) throw new QmcError("--tile needs --threads above 1");
  if (opts.vsModel !== undefined && opts.vs === undefined) throw new QmcError("--vs-model needs --vs");
  const preparing = progressBar("contenders prepared");
  const rounds = progressBar("rounds");
  const report = await benchModel({
    model,
    size: opts.size,
    targets: opts.targets?.split(","),
    vs: opts.vs === undefined ? [] : parseVs(opts.vs),
    vsModel: opts.vsModel,
    threads: opts.threads,
    tile: opts.tile,
    window: {
      ...(opts.runs !== undefined ? { minRounds: opts.runs, maxRounds: opts.runs } : {}),
      ...(opts.budget !== undefined ? { budgetMs: opts.budget * 1000 } : {}),
    },
    command: commandLine(),
    progress: {
      preparing: preparing.update,
      rounds: (done, expected) => {
        preparing.stop();
        rounds.update(done, expected);
      },
    },
  }).finally(() => {
    preparing.stop();
    rounds.stop();
  });
  process.stdout.write(opts.json ? `${terminalJson(report, 2)}\n` : terminalLines(reportText(report)));
  return ExitCode.ok;
}
