import { basename, join } from "node:path";
import type { Command } from "commander";
import { QmcError } from "../../diagnostics.js";
import { printModel } from "../../ir/print.js";
import { PIPELINE } from "../../pipeline.js";
import type { KernelPlan } from "../../plan/kernel-plan.js";
import { planReport } from "../../plan/report.js";
import { TARGETS, targetNamed } from "../compile-model.js";
import { guarded } from "../errors.js";
import { applyLimits, type LimitOptions, limitOptions } from "../limit-options.js";
import { planModelFile } from "../load-plan.js";
import { checkOutputFolder, type OutputFile, writeOutputFiles } from "../output-folder.js";
import { type SizeOptions, sizeOptions, sizeRequest } from "../size-options.js";
import { emitTargets, targetList } from "../target-support.js";

interface CompileOptions extends SizeOptions, LimitOptions {
  target: string;
  output: string;
  dumpAfter?: string;
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
    .option("--dump-after <pass>", `print the graph after a pass (${PIPELINE.map((p) => p.name).join(", ")})`);
  limitOptions(sizeOptions(command)).action((file: string, opts: CompileOptions) => guarded(() => compile(file, opts)));
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
    afterPass: (name, m) => {
      if (name === opts.dumpAfter) process.stdout.write(printModel(m));
    },
  });
  const stem = basename(file).replace(/\.onnx$/i, "");
  // Everything is generated before anything is written: a failure leaves no partial output, and
  // names every kernel that any target refused.
  const results = await emitTargets(plan, names);
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
  const { h, w } = reportSize(plan);
  const report = planReport(plan, h, w);
  files.push({
    name: `${stem}.plan.json`,
    contents: `${JSON.stringify({ model: plan.model, ...report }, null, 2)}\n`,
  });
  writeOutputFiles(opts.output, files);
  for (const f of files) {
    process.stdout.write(`${join(opts.output, f.name)}  ${f.contents.length.toLocaleString("en-US")} bytes\n`);
  }
  process.stdout.write(
    `${plan.kernels.length} kernels, ${report.constantBytes.toLocaleString("en-US")} constant bytes, arena ${report.arenaBytes.toLocaleString("en-US")} bytes at ${h}x${w}; ${Date.now() - started} ms\n`,
  );
  return 0;
}

/** The size reports show a plan at: the size it was compiled for, else 64 along a free axis. */
export function reportSize(plan: KernelPlan): { h: number; w: number } {
  return { h: plan.model.inputSize.h ?? 64, w: plan.model.inputSize.w ?? 64 };
}
