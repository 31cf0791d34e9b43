import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Command } from "commander";
import { QmcError } from "../../diagnostics.js";
import { printModel } from "../../ir/print.js";
import { PIPELINE } from "../../pipeline.js";
import { planReport } from "../../plan/report.js";
import { targetNamed } from "../compile-model.js";
import { guarded } from "../errors.js";
import { planModelFile } from "../load-plan.js";

interface CompileOptions {
  target: string;
  output: string;
  dumpAfter?: string;
}

export function registerCompile(program: Command): void {
  program
    .command("compile")
    .description("compile a model to one self-contained artifact per target (+ plan.json)")
    .argument("<model>", "an .onnx file")
    .option("-t, --target <targets>", "comma-separated targets: js (ES5 script), ts (TypeScript module)", "js")
    .requiredOption("-o, --output <dir>", "folder for the artifacts")
    .option("--dump-after <pass>", `print the graph after a pass (${PIPELINE.map((p) => p.name).join(", ")})`)
    .action((file: string, opts: CompileOptions) => guarded(() => compile(file, opts)));
}

async function compile(file: string, opts: CompileOptions): Promise<number> {
  const names = [
    ...new Set(
      opts.target
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
  const targets = names.map((n) => ({ name: n, ...targetNamed(n) }));
  const started = Date.now();
  if (opts.dumpAfter && !PIPELINE.some((p) => p.name === opts.dumpAfter)) {
    throw new QmcError(
      `--dump-after: no pass named '${opts.dumpAfter}' (passes: ${PIPELINE.map((p) => p.name).join(", ")})`,
    );
  }
  const { plan } = planModelFile(file, {
    afterPass: (name, m) => {
      if (name === opts.dumpAfter) process.stdout.write(printModel(m));
    },
  });
  const stem = basename(file).replace(/\.onnx$/i, "");
  // Everything is generated before anything is written: a failure leaves no partial output.
  const files: { path: string; contents: string | Uint8Array }[] = [];
  for (const t of targets) {
    // Targets sharing an extension (wasm, wasm-simd) get the target in the name so neither overwrites the other.
    const shared = targets.filter((u) => u.extension === t.extension).length > 1;
    const name = shared ? `${stem}.${t.name}${t.extension}` : `${stem}${t.extension}`;
    files.push({ path: join(opts.output, name), contents: await t.emit(plan) });
  }
  const report = planReport(plan, 64, 64);
  files.push({
    path: join(opts.output, `${stem}.plan.json`),
    contents: `${JSON.stringify({ model: plan.model, ...report }, null, 2)}\n`,
  });
  mkdirSync(opts.output, { recursive: true });
  for (const f of files) {
    const tmp = `${f.path}.partial`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
  for (const f of files) process.stdout.write(`${f.path}  ${f.contents.length.toLocaleString("en-US")} bytes\n`);
  process.stdout.write(
    `${plan.kernels.length} kernels, ${report.constantBytes.toLocaleString("en-US")} constant bytes, arena ${report.arenaBytes.toLocaleString("en-US")} bytes at 64x64; ${Date.now() - started} ms\n`,
  );
  return 0;
}
