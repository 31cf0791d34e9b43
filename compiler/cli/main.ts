#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { ExitCode } from "../diagnostics.js";
import { registerInspect } from "./commands/inspect.js";
import { registerVerify } from "./commands/verify.js";

const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };

const program = new Command("qmc")
  .description("Compiler for quantized Mamba (Q-MambaIR) image-restoration models: ONNX in, one small artifact out")
  .version(pkg.version)
  .showHelpAfterError()
  .exitOverride();

registerInspect(program);
registerVerify(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Commander has already printed its message (unknown option, missing argument, --help, --version).
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? ExitCode.ok : ExitCode.badInput;
  } else throw e;
}
