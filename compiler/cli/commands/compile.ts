import { basename, join } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import { weightsFile } from "../../../targets/js/external-weights.js";
import {
  CODE_RAM_FACTOR,
  codeRamBytes,
  largestTile,
  loadingRamBytes,
  MAX_TILE,
  objectRamBytes,
  ramBytes,
  romBytes,
  runningRamBytes,
  type ScriptFootprint,
  scriptFootprint,
  tileSize,
} from "../../../targets/js/footprint.js";
import { type DeployedPlan, type Deployment, deploymentOf } from "../../../targets/shared/meta.js";
import { UnsupportedKernels } from "../../../targets/shared/unsupported.js";
import { QmcError, terminalLines } from "../../diagnostics.js";
import { printModel } from "../../ir/print.js";
import { PIPELINE } from "../../pipeline.js";
import { type KernelPlan, roundUpToMultiple } from "../../plan/kernel-plan.js";
import { type DeviceMemory, formatDeviceMemory, planReport } from "../../plan/report.js";
import { compilerVersion } from "../../version.js";
import { type AlgorithmOptions, algorithmOptions, passOptions } from "../algorithm-options.js";
import { TARGETS, targetNamed } from "../compile-model.js";
import { guarded } from "../errors.js";
import { applyLimits, type LimitOptions, limitOptions } from "../limit-options.js";
import { planModelFile } from "../load-plan.js";
import { checkOutputFolder, type OutputFile, writeOutputFiles } from "../output-folder.js";
import { type SizeOptions, sizeOptions, sizeRequest } from "../size-options.js";
import { emitTargets, targetList } from "../target-support.js";

interface CompileOptions extends SizeOptions, LimitOptions, AlgorithmOptions {
  target: string;
  output: string;
  dumpAfter?: string;
  memoryBudget?: number;
  weights: "inline" | "external";
}

export function registerCompile(program: Command): void {
  const command = program
    .command("compile")
    .description("compile a model to one self-contained artifact per target (+ plan.json)")
    .argument("<model>", "an .onnx file")
    .option(
      "-t, --target <targets>",
      `comma-separated targets: ${[...TARGETS.keys()].join(", ")} (\`qmc kernels\` shows what each can compile)`,
      "js",
    )
    .requiredOption("-o, --output <dir>", "folder for the artifacts")
    .option("--dump-after <pass>", `print the graph after a pass (${PIPELINE.map((p) => p.name).join(", ")})`)
    .option(
      "--memory-budget <bytes>",
      "RAM the ES5 artifact may use (e.g. 262144, 256KiB, 2MiB): records the largest tile that fits in meta.tile",
      parseByteCount,
    )
    .addOption(
      new Option(
        "--weights <where>",
        "js target: weights in the script (inline) or in a .bin the host reads (external)",
      )
        .choices(["inline", "external"])
        .default("inline"),
    );
  algorithmOptions(limitOptions(sizeOptions(command))).action((file: string, opts: CompileOptions) =>
    guarded(() => compile(file, opts)),
  );
}

async function compile(file: string, opts: CompileOptions): Promise<number> {
  applyLimits(opts);
  const names = targetList(opts.target);
  checkOutputFolder(opts.output);
  const started = Date.now();
  if (opts.dumpAfter && !PIPELINE.some((p) => p.name === opts.dumpAfter)) {
    throw new QmcError(
      `--dump-after: no pass named '${opts.dumpAfter}' (passes: ${PIPELINE.map((p) => p.name).join(", ")})`,
    );
  }
  const { plan } = planModelFile(file, {
    ...sizeRequest(opts),
    ...passOptions(opts),
    afterPass: (name, m) => {
      if (name === opts.dumpAfter) process.stdout.write(terminalLines(printModel(m)));
    },
  });
  const stem = basename(file).replace(/\.onnx$/i, "");
  if (opts.weights === "external" && names.some((n) => n !== "js")) {
    throw new QmcError(
      `--weights external: only the js target reads its weights from a file; asked for ${names.filter((n) => n !== "js").join(", ")}`,
    );
  }
  const deployed = deploy(plan, { memoryBudget: opts.memoryBudget ?? null, weights: opts.weights });
  // Everything is generated before anything is written: a failure leaves no partial output, and
  // names every kernel that any target refused.
  const results = await emitTargets(deployed, names);
  const refused = results.flatMap((r) => ("message" in r ? [r.message] : []));
  if (refused.length) throw new QmcError(`${file}: ${refused.join("\n")}`);
  const files: OutputFile[] = [];
  for (const r of results) {
    if (!("artifact" in r)) continue;
    const extension = targetNamed(r.target).extension;
    // Targets sharing an extension (wasm, wasm-simd) get the target in the name so neither overwrites the other.
    const shared = names.filter((n) => targetNamed(n).extension === extension).length > 1;
    const name = shared ? `${stem}.${r.target}${extension}` : `${stem}${extension}`;
    files.push({ name, contents: r.artifact });
  }
  if (opts.weights === "external") files.push({ name: `${stem}.bin`, contents: weightsFile(plan) });
  const { h, w } = reportSize(plan);
  const report = planReport(plan, h, w);
  const device = deviceMemory(deployed);
  files.push({
    name: `${stem}.plan.json`,
    contents: `${JSON.stringify({ model: plan.model, ...report, deviceMemory: device }, null, 2)}\n`,
  });
  writeOutputFiles(opts.output, files);
  for (const f of files) {
    process.stdout.write(
      terminalLines(`${join(opts.output, f.name)}  ${f.contents.length.toLocaleString("en-US")} bytes\n`),
    );
  }
  process.stdout.write(
    terminalLines(
      `${plan.kernels.length} kernels, ${report.constantBytes.toLocaleString("en-US")} constant bytes, arena ${report.arenaBytes.toLocaleString("en-US")} bytes at ${h}x${w}; ${Date.now() - started} ms\n`,
    ),
  );
  if (device) process.stdout.write(terminalLines(`${formatDeviceMemory(device).join("\n")}\n`));
  return 0;
}

const BYTE_UNITS: Readonly<Record<string, number>> = { "": 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** A byte count: an integer, optionally with a binary suffix (256KiB, 2MiB). */
export function parseByteCount(value: string): number {
  const m = /^(\d+)\s*(KiB|MiB|GiB)?$/.exec(value.trim());
  const bytes = m ? Number(m[1]) * BYTE_UNITS[m[2] ?? ""] : Number.NaN;
  if (!m || !Number.isSafeInteger(bytes) || bytes < 1) {
    throw new InvalidArgumentError(`'${value}' is not a byte count such as 262144, 256KiB or 2MiB.`);
  }
  return bytes;
}

/**
 * The plan with what compile decided about running it: with a memory budget, the largest square
 * tile whose RAM (targets/js/footprint.ts) fits, or a refusal naming what does not fit.
 */
export function deploy(
  plan: KernelPlan,
  choice: { memoryBudget: number | null; weights: Deployment["weights"] },
): DeployedPlan {
  const budget = choice.memoryBudget;
  if (budget === null) return { ...plan, deployment: { tile: null, memoryBudget: null, weights: choice.weights } };
  // The script is measured with the longest tile the meta can record, so the chosen one only shortens it.
  const widest: DeployedPlan = {
    ...plan,
    deployment: { tile: MAX_TILE, memoryBudget: budget, weights: choice.weights },
  };
  const footprint = scriptFootprint(widest, { compilerVersion: compilerVersion() });
  const tile = largestTile(widest, footprint, budget);
  if (tile === undefined) {
    const { h, w } = tileSize(widest, Math.max(plan.model.sizeMultiple.h, plan.model.sizeMultiple.w));
    const n = (x: number) => x.toLocaleString("en-US");
    throw new QmcError(
      `--memory-budget ${n(budget)} bytes: no tile fits: the ES5 artifact needs ${n(ramBytes(footprint, h, w))} bytes of RAM at ${h}x${w} (loading ${n(loadingRamBytes(footprint))}, running ${n(runningRamBytes(footprint, h, w))}: compiled code ${n(codeRamBytes(footprint))}, objects ${n(objectRamBytes(footprint))}, decoded weights ${n(footprint.decodedWeightBytes)}, arena ${n(footprint.arenaBytes(h, w))}, scratch ${n(footprint.scratchBytes(h, w))})${choice.weights === "inline" ? "; --weights external leaves the base64 text out of loading" : ""}`,
    );
  }
  return { ...plan, deployment: { tile, memoryBudget: budget, weights: choice.weights } };
}

/**
 * The ES5 artifact's RAM and ROM at its tile (else the report size), with what external weights
 * save; null when the js target cannot compile the plan.
 */
export function deviceMemory(plan: DeployedPlan): DeviceMemory | null {
  const options = { compilerVersion: compilerVersion() };
  const deployment = deploymentOf(plan);
  let f: ScriptFootprint;
  try {
    f = scriptFootprint(plan, options);
  } catch (e) {
    if (e instanceof UnsupportedKernels) return null;
    throw e;
  }
  const { h, w } = deployment.tile === null ? reportSize(plan) : tileSize(plan, deployment.tile);
  const inline =
    deployment.weights === "external"
      ? scriptFootprint({ ...plan, deployment: { ...deployment, weights: "inline" } }, options)
      : undefined;
  return {
    size: { h, w },
    tile: deployment.tile,
    budget: deployment.memoryBudget,
    arenaBytes: f.arenaBytes(h, w),
    scratchBytes: f.scratchBytes(h, w),
    decodedWeightBytes: f.decodedWeightBytes,
    scriptBytes: f.scriptBytes,
    codeBytes: f.scriptBytes - f.weightTextBytes,
    weightTextBytes: f.weightTextBytes,
    codeRamBytes: codeRamBytes(f),
    codeFactor: CODE_RAM_FACTOR,
    objectRamBytes: objectRamBytes(f),
    objects: f.objects,
    decodingBytes: f.decodingBytes,
    weightsFileBytes: f.externalBytes,
    loadingRamBytes: loadingRamBytes(f),
    runningRamBytes: runningRamBytes(f, h, w),
    ramBytes: ramBytes(f, h, w),
    romBytes: romBytes(f),
    saved: inline
      ? {
          loadingBytes: loadingRamBytes(inline) - loadingRamBytes(f),
          ramBytes: ramBytes(inline, h, w) - ramBytes(f, h, w),
        }
      : null,
  };
}

/** The size reports show a plan at: the size it was compiled for, else 64 along a free axis. */
export function reportSize(plan: KernelPlan): { h: number; w: number } {
  const free = roundUpToMultiple(plan.model, 64, 64);
  return { h: plan.model.inputSize.h ?? free.h, w: plan.model.inputSize.w ?? free.w };
}
