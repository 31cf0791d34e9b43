import type { Command } from "commander";
import { createTwoFilesPatch } from "diff";
import { QmcError, terminalJson, terminalLines } from "../../diagnostics.js";
import { type DiffResult, diffKernels, type KernelDiff } from "../../diff/diff-model.js";
import { noiseImage, recordValues } from "../../diff/record.js";
import { readTensorFile } from "../../onnx/tensor-file.js";
import type { ParamValue } from "../../plan/kernel-plan.js";
import { progressBar } from "../artifact-loader.js";
import { targetNamed } from "../compile-model.js";
import { guarded } from "../errors.js";
import { applyLimits, type LimitOptions, limitOptions } from "../limit-options.js";
import { planModelFile } from "../load-plan.js";
import { parseSize } from "../size-options.js";

interface DiffCliOptions extends LimitOptions {
  targets: string;
  kernel?: string;
  size: { h: number; w: number };
  input?: string;
  json?: boolean;
}

/**
 * Diff records every value of the reference interpreter and runs each kernel alone on both targets:
 * memory grows with the size many times over, and a kernel comparison needs no large image.
 */
export const DIFF_MAX_PIXELS = 512 * 512;

export function registerDiff(program: Command): void {
  const command = program
    .command("diff")
    .description("compare two targets kernel by kernel: specialisation, code bytes, and agreement on the same inputs")
    .argument("<model>", "an .onnx file")
    .requiredOption("--targets <a,b>", "the two targets, e.g. js,ts or wasm,wasm-simd")
    .option("--kernel <k>", "only this kernel (index or part of its name); prints a diff of its code")
    .option("--size <HxW>", `input size the kernels run at (at most ${DIFF_MAX_PIXELS} pixels)`, parseSize, {
      h: 12,
      w: 10,
    })
    .option("--input <file.pb>", "the image input (a TensorProto, 1 x C x H x W) instead of noise at --size")
    .option("--json", "print the result as JSON");
  limitOptions(command).action((file: string, opts: DiffCliOptions) => guarded(() => diff(file, opts)));
}

function parseTargets(text: string): [string, string] {
  const names = text.split(",").map((t) => t.trim());
  if (names.length !== 2 || names.some((n) => !n)) {
    throw new QmcError(`--targets takes two targets separated by a comma, e.g. js,ts (got '${text}')`);
  }
  for (const n of names) targetNamed(n);
  return [names[0], names[1]];
}

async function diff(file: string, opts: DiffCliOptions): Promise<number> {
  const targets = parseTargets(opts.targets);
  applyLimits(opts);
  if (!opts.input) checkDiffSize(opts.size, "--size");
  const { compiled, plan } = planModelFile(file);
  const input = opts.input ? readTensorFile(opts.input) : noiseImage(plan.model.inChannels, opts.size.h, opts.size.w);
  if (input.rank !== 4 || input.shape[0] !== 1 || input.shape[1] !== plan.model.inChannels) {
    throw new QmcError(`${opts.input}: shape [${input.shape}], the model takes 1 x ${plan.model.inChannels} x H x W`);
  }
  const size = { h: input.shape[2], w: input.shape[3] };
  if (opts.input) checkDiffSize(size, opts.input);
  const values = recordValues(compiled, input);
  const bar = progressBar("kernels");
  const result = await diffKernels(plan, values, {
    targets,
    kernel: opts.kernel,
    size,
    emit: (t, p) => targetNamed(t).emit(p),
    onProgress: bar.update,
  }).finally(bar.stop);
  const family = (t: string) => (t.startsWith("wasm") ? "wasm" : "js");
  const sameFamily = family(targets[0]) === family(targets[1]);
  if (opts.json) {
    const code =
      result.code && sameFamily ? { [targets[0]]: result.code[0].text, [targets[1]]: result.code[1].text } : undefined;
    process.stdout.write(`${terminalJson({ model: file, targets, size, kernels: result.kernels, code }, 2)}\n`);
    return 0;
  }
  process.stdout.write(terminalLines(`${file}: ${targets[0]} vs ${targets[1]} at ${size.h}x${size.w}\n\n`));
  process.stdout.write(terminalLines(formatTable(result, targets)));
  const broken = result.kernels.filter((k) => k.integer && !k.agreement.exact);
  if (broken.length) {
    process.stdout.write(
      terminalLines(
        `\nWARNING: ${broken.length} integer kernel(s) differ between targets (they must agree exactly): ${broken.map((k) => `#${k.index}`).join(", ")}\n`,
      ),
    );
  }
  if (result.code) {
    if (sameFamily) {
      const [a, b] = result.code;
      const k = result.kernels[0];
      const ext = (t: string) => (a.language === "wat" ? "wat" : t === "ts" ? "ts" : "js");
      process.stdout.write(
        terminalLines(
          `\n${createTwoFilesPatch(`${targets[0]}/${k.name}.${ext(targets[0])}`, `${targets[1]}/${k.name}.${ext(targets[1])}`, `${a.text}\n`, `${b.text}\n`)}`,
        ),
      );
    } else {
      process.stdout.write(
        terminalLines(
          `\nno code diff: ${targets[0]} and ${targets[1]} are of different families (JS for js/ts, WAT for the wasm targets)\n`,
        ),
      );
    }
  }
  return 0;
}

function checkDiffSize(size: { h: number; w: number }, what: string): void {
  if (size.h * size.w > DIFF_MAX_PIXELS) {
    throw new QmcError(
      `${what}: ${size.h}x${size.w} is more than diff runs at (${DIFF_MAX_PIXELS} pixels, e.g. 512x512); kernels agree or differ at small sizes too`,
    );
  }
}

function number(x: number): string {
  return Number.isInteger(x) ? String(x) : Number(x.toPrecision(4)).toString();
}

/** Attributes as short text: long arrays by their length, numbers to 4 significant digits. */
function specialisation(params: Readonly<Record<string, ParamValue>>, width = 48): string {
  const parts = Object.entries(params).map(([k, v]) => {
    if (Array.isArray(v))
      return v.length > 4
        ? `${k}[${v.length}]`
        : `${k}=${v.map((x) => (typeof x === "number" ? number(x) : x)).join(",")}`;
    return `${k}=${typeof v === "number" ? number(v) : v}`;
  });
  const text = parts.join(" ");
  return text.length > width ? `${text.slice(0, width - 1)}…` : text || "-";
}

function formatTable(r: DiffResult, targets: readonly [string, string]): string {
  const head = [
    "kernel",
    "kind",
    "specialisation",
    `bytes ${targets[0]}`,
    `bytes ${targets[1]}`,
    "max abs",
    "max ULP",
    "exact",
    "vs ref",
  ];
  const row = (k: KernelDiff) => [
    `#${k.index} ${k.name}`,
    k.kind,
    specialisation(k.params),
    String(k.bytes[0]),
    String(k.bytes[1]),
    k.agreement.maxAbs === 0 ? "0" : k.agreement.maxAbs.toExponential(2),
    String(k.agreement.maxUlp),
    k.agreement.exact ? "yes" : k.integer ? "NO (integer kernel)" : "no",
    Math.max(...k.referenceMaxAbs).toExponential(1),
  ];
  const rows = [head, ...r.kernels.map(row)];
  const widths = head.map((_, c) => Math.max(...rows.map((x) => x[c].length)));
  const right = new Set([3, 4, 5, 6, 8]);
  const line = (x: string[]) =>
    x
      .map((cell, c) => (right.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join("  ")
      .trimEnd();
  const exact = r.kernels.filter((k) => k.agreement.exact).length;
  const total = r.kernels.reduce((s, k) => [s[0] + k.bytes[0], s[1] + k.bytes[1]], [0, 0]);
  return `${rows.map(line).join("\n")}\n\n${r.kernels.length} kernels, ${exact} exact; code bytes ${total[0]} (${targets[0]}) vs ${total[1]} (${targets[1]})\n`;
}
