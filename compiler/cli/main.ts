#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { ExitCode } from "../diagnostics.js";
import { compilerVersion } from "../version.js";
import { registerCompile } from "./commands/compile.js";
import { registerDiff } from "./commands/diff.js";
import { registerEval } from "./commands/eval.js";
import { registerInspect } from "./commands/inspect.js";
import { registerKernels } from "./commands/kernels.js";
import { registerRun } from "./commands/run.js";
import { registerVerify } from "./commands/verify.js";

const program = new Command("qmc")
  .description("Compiler for quantized Mamba (Q-MambaIR) image-restoration models: ONNX in, one small artifact out")
  .version(compilerVersion())
  .showHelpAfterError()
  .exitOverride();

registerInspect(program);
registerCompile(program);
registerVerify(program);
registerRun(program);
registerEval(program);
registerDiff(program);
registerKernels(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Commander has already printed its message (unknown option, missing argument, --help, --version).
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? ExitCode.ok : ExitCode.badInput;
  } else throw e;
}
