import type { Command } from "commander";
import { TARGETS } from "../compile-model.js";
import { guarded } from "../errors.js";
import { kernelKinds, supportTable } from "../target-support.js";

export function registerKernels(program: Command): void {
  program
    .command("kernels")
    .description("print which kernel kinds (ONNX ops after the passes) each target can generate, from its registry")
    .option("--markdown", "as a Markdown table (the README's)")
    .option("--json", "as JSON: kind -> targets")
    .action((opts: { markdown?: boolean; json?: boolean }) =>
      guarded(() => {
        const targets = [...TARGETS.keys()];
        const kinds = kernelKinds();
        if (opts.json) {
          const table = Object.fromEntries(
            kinds.map((k) => [k, targets.filter((t) => TARGETS.get(t)?.generators.has(k))]),
          );
          process.stdout.write(`${JSON.stringify(table, null, 2)}\n`);
        } else process.stdout.write(supportTable(kinds, targets, opts.markdown === true));
        return 0;
      }),
    );
}
