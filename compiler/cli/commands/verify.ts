import type { Command } from "commander";
import { ExitCode, QmcError } from "../../diagnostics.js";
import { Interpreter } from "../../interp/interpreter.js";
import { readModelFile } from "../../onnx/decode.js";
import { compareTensors, ONNX_TOLERANCE } from "../../verify/compare.js";
import { readGoldenSet } from "../../verify/golden.js";
import { guarded, parseNumber } from "../errors.js";

interface VerifyOptions {
  golden: string;
  rtol: number;
  atol: number;
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
    .option("--json", "print the result as JSON")
    .action((file: string, opts: VerifyOptions) => guarded(() => verify(file, opts)));
}

function verify(file: string, opts: VerifyOptions): number {
  const model = readModelFile(file);
  const golden = readGoldenSet(opts.golden);
  const outputs = model.graph.outputs;
  if (golden.outputs.length !== outputs.length) {
    throw new QmcError(
      `${opts.golden}: holds ${golden.outputs.length} output_N.pb, the model has ${outputs.length} outputs`,
    );
  }
  const actual = new Interpreter(model, file).run(golden.inputs);
  const rows = outputs.map((o, i) => ({ output: o.name, ...compareTensors(actual[i], golden.outputs[i], opts) }));
  const ok = rows.every((r) => r.ok);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ ok, rtol: opts.rtol, atol: opts.atol, outputs: rows }, null, 2)}\n`);
  } else {
    const w = Math.max(...rows.map((r) => r.output.length));
    for (const r of rows) {
      const detail = r.ok ? "" : `  ${r.reason}`;
      process.stdout.write(
        `${r.ok ? "PASS" : "FAIL"}  ${r.output.padEnd(w)}  max abs error ${r.maxAbs.toExponential(3)}${detail}\n`,
      );
    }
    process.stdout.write(
      `${ok ? "PASS" : "FAIL"}: ${rows.filter((r) => r.ok).length}/${rows.length} outputs within rtol ${opts.rtol}, atol ${opts.atol}\n`,
    );
  }
  return ok ? ExitCode.ok : ExitCode.mismatch;
}
