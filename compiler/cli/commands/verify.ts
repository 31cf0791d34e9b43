import type { Command } from "commander";
import { loadEngine } from "../../../runtime/core/index.js";
import { transpileTypeScript } from "../../../runtime/node/typescript.js";
import { ExitCode, QmcError } from "../../diagnostics.js";
import { Interpreter } from "../../interp/interpreter.js";
import { isFloat } from "../../ir/dtype.js";
import { Tensor } from "../../ir/tensor.js";
import { readModelFile } from "../../onnx/decode.js";
import { compareTensors, ONNX_TOLERANCE, psnrOf } from "../../verify/compare.js";
import { readGoldenSet } from "../../verify/golden.js";
import { asUserErrors } from "../artifact-loader.js";
import { targetNamed } from "../compile-model.js";
import { guarded, parseNumber } from "../errors.js";
import { planModelFile } from "../load-plan.js";

interface VerifyOptions {
  golden: string;
  target?: string;
  rtol: number;
  atol: number;
  minPsnr?: number;
  json?: boolean;
}

export function registerVerify(program: Command): void {
  program
    .command("verify")
    .description("run the reference interpreter on a golden folder (input_N.pb) and compare with its output_N.pb")
    .argument("<model>", "an .onnx file")
    .requiredOption("--golden <dir>", "an ONNX test-data folder: input_N.pb, output_N.pb")
    .option("--rtol <x>", "relative tolerance for floating outputs", parseNumber, ONNX_TOLERANCE.rtol)
    .option("--atol <x>", "absolute tolerance for floating outputs", parseNumber, ONNX_TOLERANCE.atol)
    .option("--min-psnr <dB>", "also accept a float output whose PSNR (peak 1) vs the golden reaches this", parseNumber)
    .option("--target <t>", "check this target's compiled artifact instead of the reference interpreter")
    .option("--json", "print the result as JSON")
    .action((file: string, opts: VerifyOptions) => guarded(() => verify(file, opts)));
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
  const actual = opts.target
    ? await runTarget(file, opts.target, golden.inputs)
    : new Interpreter(model, file).run(golden.inputs);
  const rows = outputs.map((o, i) => {
    const c = compareTensors(actual[i], golden.outputs[i], opts);
    const psnr = isFloat(golden.outputs[i].dtype) ? psnrOf(actual[i], golden.outputs[i]) : undefined;
    const byPsnr = !c.ok && opts.minPsnr !== undefined && psnr !== undefined && psnr >= opts.minPsnr;
    return { output: o.name, ...c, ok: c.ok || byPsnr, psnr };
  });
  const ok = rows.every((r) => r.ok);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ ok, rtol: opts.rtol, atol: opts.atol, outputs: rows }, null, 2)}\n`);
  } else {
    const w = Math.max(...rows.map((r) => r.output.length));
    for (const r of rows) {
      const detail = r.reason ? `  ${r.reason}` : "";
      const psnr =
        r.psnr === undefined ? "" : `  PSNR ${r.psnr === Number.POSITIVE_INFINITY ? "inf" : r.psnr.toFixed(2)} dB`;
      process.stdout.write(
        `${r.ok ? "PASS" : "FAIL"}  ${r.output.padEnd(w)}  max abs error ${r.maxAbs.toExponential(3)}${psnr}${detail}\n`,
      );
    }
    process.stdout.write(
      `${ok ? "PASS" : "FAIL"}: ${rows.filter((r) => r.ok).length}/${rows.length} outputs within rtol ${opts.rtol}, atol ${opts.atol}${opts.minPsnr === undefined ? "" : ` or PSNR >= ${opts.minPsnr} dB`}\n`,
    );
  }
  return ok ? ExitCode.ok : ExitCode.mismatch;
}

/** Compiles the model for `target` in memory and runs the artifact on the (single) image input. */
async function runTarget(file: string, target: string, inputs: readonly Tensor[]): Promise<Tensor[]> {
  const emit = targetNamed(target).emit;
  const x = inputs[0];
  if (inputs.length !== 1 || x.rank !== 4 || x.shape[0] !== 1) {
    throw new QmcError(
      `--target runs compiled artifacts on one image input (1, C, H, W); the golden folder has ${inputs.length} input(s)`,
    );
  }
  const [, c, h, w] = x.shape;
  return asUserErrors(async () => {
    const engine = await loadEngine(await emit(planModelFile(file).plan), { transpile: transpileTypeScript });
    const { channels, scale } = engine.meta;
    if (channels !== c)
      throw new QmcError(`the artifact restores ${channels}-channel images, the golden input has ${c}`);
    engine.prepare(h, w);
    engine.input().set(x.values);
    engine.run();
    return [new Tensor("float32", [1, channels, h * scale, w * scale], Float32Array.from(engine.output()))];
  });
}
