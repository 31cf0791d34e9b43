import type { Command } from "commander";
import { loadEngine, outChannelsOf } from "../../../runtime/core/index.js";
import { evaluateInSandbox } from "../../../runtime/node/sandbox.js";
import { transpileTypeScript } from "../../../runtime/node/typescript.js";
import { ExitCode, QmcError, terminalJson, terminalLines } from "../../diagnostics.js";
import { Interpreter } from "../../interp/interpreter.js";
import { isFloat } from "../../ir/dtype.js";
import { Tensor } from "../../ir/tensor.js";
import { readModelFile } from "../../onnx/decode.js";
import { type Comparison, compareTensors, MODEL_TOLERANCE, psnrOf } from "../../verify/compare.js";
import { readGoldenSet } from "../../verify/golden.js";
import { INTERMEDIATES_DIR, readIntermediates } from "../../verify/intermediates.js";
import { compareKernels, compareWholeArtifact, type KernelComparison } from "../../verify/kernel-check.js";
import { compareNodeOutputs, type NodeComparison } from "../../verify/per-node.js";
import { formatKernels, formatNodes, formatWholeArtifact } from "../../verify/report.js";
import type { ValueErrors } from "../../verify/value-errors.js";
import { type AlgorithmOptions, algorithmOptions, passOptions } from "../algorithm-options.js";
import { asUserErrors, progressBar } from "../artifact-loader.js";
import { targetNamed } from "../compile-model.js";
import { guarded, parseNonEmpty, parseNonNegative } from "../errors.js";
import { planModelFile } from "../load-plan.js";

interface VerifyOptions extends AlgorithmOptions {
  golden: string;
  target?: string;
  perNode?: boolean;
  rtol: number;
  atol: number;
  minPsnr?: number;
  json?: boolean;
}

const TOLERANCE_HELP = `
Floats pass where |actual - expected| <= atol + rtol * |expected|; integers and strings must be equal.
The defaults (rtol ${MODEL_TOLERANCE.rtol}, atol ${MODEL_TOLERANCE.atol}) are for models on images in [0, 1]. Near zero
the relative term allows almost nothing, and two correct engines differ there by about 1e-5
(onnxruntime's float32 vs a float64 cubic Resize), so atol is 1e-4: 1/39 of an 8-bit level, never
visible in an image. ONNX's conformance tolerance is --atol 1e-7 (rtol 1e-3 as here).

--per-node locates the first divergence. Without --target it compares every float node output
that depends on the input with onnxruntime's value of it in DIR/${INTERMEDIATES_DIR}/ (written by
.venv/bin/python -m exporter.intermediates MODEL.onnx DIR). With --target it runs each kernel of
the compiled plan alone on the target, fed the reference interpreter's values of its inputs, and
compares its outputs with the reference's (integer outputs exactly), plus the intermediates when
DIR has them. Any FAIL, in any table, exits 1.`;

export function registerVerify(program: Command): void {
  const command = program
    .command("verify")
    .description("run the reference interpreter on a golden folder (input_N.pb) and compare with its output_N.pb")
    .argument("<model>", "an .onnx file")
    .requiredOption("--golden <dir>", "an ONNX test-data folder: input_N.pb, output_N.pb[, intermediates/]")
    .option("--rtol <x>", "relative tolerance for floating values", parseNonNegative, MODEL_TOLERANCE.rtol)
    .option("--atol <x>", "absolute tolerance for floating values", parseNonNegative, MODEL_TOLERANCE.atol)
    .option(
      "--min-psnr <dB>",
      "also accept a float output whose PSNR (peak 1) vs the golden reaches this",
      parseNonNegative,
    )
    .option("--target <t>", "check this target's compiled artifact instead of the reference interpreter", parseNonEmpty)
    .option("--per-node", "compare every node output (intermediates) or, with --target, every kernel output")
    .option("--json", "print the result as JSON")
    .addHelpText("after", TOLERANCE_HELP);
  algorithmOptions(command).action((file: string, opts: VerifyOptions) => guarded(() => verify(file, opts)));
}

async function verify(file: string, opts: VerifyOptions): Promise<number> {
  const model = readModelFile(file);
  const golden = readGoldenSet(opts.golden);
  const outputs = model.graph.outputs;
  if (golden.outputs.length !== outputs.length) {
    throw new QmcError(
      `${opts.golden}: holds ${golden.outputs.length} output_N.pb, the model has ${outputs.length} outputs`,
    );
  }
  const intermediates = opts.perNode ? readIntermediates(opts.golden) : undefined;
  if (opts.perNode && !intermediates && !opts.target) {
    throw new QmcError(
      `--per-node: ${opts.golden} has no ${INTERMEDIATES_DIR}/ folder to compare node outputs with; write it with ` +
        `'.venv/bin/python -m exporter.intermediates ${file} ${opts.golden}', or add --target T to compare kernels`,
    );
  }
  const tol = { rtol: opts.rtol, atol: opts.atol };
  const nodes = intermediates ? compareNodeOutputs(model, file, golden.inputs, intermediates, tol) : undefined;
  let actual: Tensor[];
  let kernels: KernelComparison | undefined;
  if (opts.target) {
    const target = opts.target;
    const emit = targetNamed(target).emit;
    const image = imageInput(golden.inputs);
    const { compiled, plan } = planModelFile(file, passOptions(opts));
    actual = await runArtifact(await emit(plan), image);
    if (opts.perNode) {
      const bar = progressBar("kernels");
      kernels = await asUserErrors(() =>
        compareKernels(compiled, plan, image, {
          target,
          emit: (t, p) => targetNamed(t).emit(p),
          tol,
          onProgress: bar.update,
        }),
      ).finally(bar.stop);
    }
  } else {
    actual = nodes?.outputs ?? new Interpreter(model, file).run(golden.inputs);
  }
  const rows = outputs.map((o, i) => {
    const c = compareTensors(actual[i], golden.outputs[i], tol);
    const psnr = isFloat(golden.outputs[i].dtype) ? psnrOf(actual[i], golden.outputs[i]) : undefined;
    const byPsnr = !c.ok && opts.minPsnr !== undefined && psnr !== undefined && psnr >= opts.minPsnr;
    return { output: o.name, ...c, ok: c.ok || byPsnr, psnr };
  });
  const wholeArtifact = kernels && compareWholeArtifact(kernels, actual[0], tol);
  const ok = rows.every((r) => r.ok) && !nodes?.first && !kernels?.first && wholeArtifact?.ok !== false;
  if (opts.json) {
    const perNode = nodes && { rows: nodes.rows, firstDivergence: nodes.first ?? null, uncovered: nodes.uncovered };
    const perKernel = kernels && {
      target: kernels.target,
      rows: kernels.rows,
      firstDivergence: kernels.first ?? null,
      wholeArtifact,
    };
    const result = { ok, rtol: opts.rtol, atol: opts.atol, outputs: rows, nodes: perNode, kernels: perKernel };
    process.stdout.write(`${terminalJson(result, 2)}\n`);
  } else {
    printText({ opts, rows, ok, nodes, kernels, wholeArtifact });
  }
  return ok ? ExitCode.ok : ExitCode.mismatch;
}

interface OutputRow extends Comparison {
  readonly output: string;
  readonly psnr?: number;
}

interface Report {
  readonly opts: VerifyOptions;
  readonly rows: readonly OutputRow[];
  readonly ok: boolean;
  readonly nodes?: NodeComparison;
  readonly kernels?: KernelComparison;
  readonly wholeArtifact?: ValueErrors;
}

function printText({ opts, rows, ok, nodes, kernels, wholeArtifact }: Report): void {
  if (nodes) process.stdout.write(terminalLines(`${formatNodes(nodes, `${opts.golden}/${INTERMEDIATES_DIR}`)}\n`));
  if (kernels && wholeArtifact) {
    const cause =
      wholeArtifact.ok && !rows.every((r) => r.ok)
        ? `\nthe ${kernels.target} artifact computes the compiled graph: the outputs differ from ${opts.golden} because the compiled graph does (its passes), not the target\n`
        : "";
    process.stdout.write(terminalLines(`${formatKernels(kernels)}${formatWholeArtifact(wholeArtifact)}${cause}\n`));
  }
  const w = Math.max(...rows.map((r) => r.output.length));
  for (const r of rows) {
    const detail = r.reason ? `  ${r.reason}` : "";
    const psnr =
      r.psnr === undefined ? "" : `  PSNR ${r.psnr === Number.POSITIVE_INFINITY ? "inf" : r.psnr.toFixed(2)} dB`;
    process.stdout.write(
      terminalLines(
        `${r.ok ? "PASS" : "FAIL"}  ${r.output.padEnd(w)}  max abs error ${r.maxAbs.toExponential(3)}${psnr}${detail}\n`,
      ),
    );
  }
  const within = (what: string, rs: readonly { ok: boolean }[]) =>
    `${rs.filter((r) => r.ok).length}/${rs.length} ${what}`;
  const parts = [
    within("outputs", rows),
    ...(nodes ? [within("node outputs", nodes.rows)] : []),
    ...(kernels ? [within(`${kernels.target} kernel outputs`, kernels.rows)] : []),
  ];
  process.stdout.write(
    terminalLines(
      `${ok ? "PASS" : "FAIL"}: ${parts.join(", ")} within rtol ${opts.rtol}, atol ${opts.atol}${opts.minPsnr === undefined ? "" : ` or PSNR >= ${opts.minPsnr} dB`}\n`,
    ),
  );
}

/** The golden's single image input (1, C, H, W): what compiled artifacts and their kernels run on. */
function imageInput(inputs: readonly Tensor[]): Tensor {
  const x = inputs[0];
  if (inputs.length !== 1 || x.rank !== 4 || x.shape[0] !== 1) {
    throw new QmcError(
      `--target runs compiled artifacts on one image input (1, C, H, W); the golden folder has ${inputs.length} input(s)`,
    );
  }
  return x;
}

/** Runs a compiled artifact on the image. */
async function runArtifact(artifact: string | Uint8Array, x: Tensor): Promise<Tensor[]> {
  const [, c, h, w] = x.shape;
  return asUserErrors(async () => {
    const engine = await loadEngine(artifact, { transpile: transpileTypeScript, evaluate: evaluateInSandbox });
    const { channels, scale } = engine.meta;
    if (channels !== c)
      throw new QmcError(`the artifact restores ${channels}-channel images, the golden input has ${c}`);
    engine.prepare(h, w);
    engine.input().set(x.values);
    engine.run();
    const shape = [1, outChannelsOf(engine.meta), h * scale, w * scale];
    return [new Tensor("float32", shape, Float32Array.from(engine.output()))];
  });
}
