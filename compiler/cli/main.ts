#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { ExitCode } from "../diagnostics.js";
import { compilerVersion } from "../version.js";

type Register = (program: Command) => void;

/**
 * Each command's module, imported only when that command runs: `qmc run BUNDLE.wasm` then loads
 * neither the compiler nor binaryen. Help, a version request or an unknown command loads them all.
 */
const COMMANDS: ReadonlyArray<readonly [string, () => Promise<Register>]> = [
  ["inspect", async () => (await import("./commands/inspect.js")).registerInspect],
  ["compile", async () => (await import("./commands/compile.js")).registerCompile],
  ["verify", async () => (await import("./commands/verify.js")).registerVerify],
  ["run", async () => (await import("./commands/run.js")).registerRun],
  ["eval", async () => (await import("./commands/eval.js")).registerEval],
  ["diff", async () => (await import("./commands/diff.js")).registerDiff],
  ["kernels", async () => (await import("./commands/kernels.js")).registerKernels],
  ["bench", async () => (await import("./commands/bench.js")).registerBench],
];

const program = new Command("qmc")
  .description("Compiler for quantized Mamba (Q-MambaIR) image-restoration models: ONNX in, one small artifact out")
  .version(compilerVersion())
  .showHelpAfterError()
  .exitOverride();

const named = COMMANDS.find(([name]) => name === process.argv[2]);
for (const [, load] of named ? [named] : COMMANDS) (await load())(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Commander has already printed its message (unknown option, missing argument, --help, --version).
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? ExitCode.ok : ExitCode.badInput;
  } else throw e;
}
