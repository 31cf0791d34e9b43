import { type Command, Option } from "commander";
import type { PassOptions } from "../passes/pass.js";

export interface AlgorithmOptions {
  convAlgorithm: "direct" | "auto";
}

/** Adds `--conv-algorithm direct|auto`, how float stride-1 convolutions are computed (PassOptions). */
export function algorithmOptions(command: Command): Command {
  return command.addOption(
    new Option(
      "--conv-algorithm <algorithm>",
      "float stride-1 convolutions: auto (Winograd F(2x2,3x3), per 3x3 sub-kernel beyond 3x3, where it pays; another order of float operations than ONNX's, within a stated bound) or direct (ONNX's order)",
    )
      .choices(["direct", "auto"])
      .default("auto"),
  );
}

export function passOptions(opts: AlgorithmOptions): PassOptions {
  return { convAlgorithm: opts.convAlgorithm };
}
