import type { Command } from "commander";
import { DEFAULT_MAX_PIXELS } from "../../runtime/node/png.js";
import { configureModelLimits, DEFAULT_MODEL_LIMITS, type ModelLimits } from "../onnx/limits.js";
import { parsePositiveInteger } from "./errors.js";

export interface LimitOptions {
  maxModelBytes?: number;
  maxTensorElements?: number;
  maxTotalElements?: number;
  maxNodes?: number;
  maxGraphDepth?: number;
}

const FLAGS: readonly [keyof LimitOptions, keyof ModelLimits, string, string][] = [
  ["maxModelBytes", "modelBytes", "--max-model-bytes <n>", "refuse an .onnx file larger than n bytes"],
  ["maxTensorElements", "tensorElements", "--max-tensor-elements <n>", "refuse a tensor of more than n elements"],
  [
    "maxTotalElements",
    "totalElements",
    "--max-total-elements <n>",
    "refuse a model whose tensors hold more than n elements",
  ],
  ["maxNodes", "nodes", "--max-nodes <n>", "refuse a model of more than n nodes"],
  ["maxGraphDepth", "graphDepth", "--max-graph-depth <n>", "refuse subgraphs nested more than n deep"],
];

/** Adds the model limits (compiler/onnx/limits.ts), each refused before the allocation it guards. */
export function limitOptions(command: Command): Command {
  for (const [, limit, flag, help] of FLAGS) {
    command.option(flag, `${help} (default ${DEFAULT_MODEL_LIMITS[limit]})`, parsePositiveInteger);
  }
  return command;
}

/** Makes the limits given on the command line the ones every decode of this process applies. */
export function applyLimits(opts: LimitOptions): void {
  const limits: Partial<Record<keyof ModelLimits, number>> = {};
  for (const [option, limit] of FLAGS) {
    const value = opts[option];
    if (value !== undefined) limits[limit] = value;
  }
  configureModelLimits(limits);
}

export interface PixelLimitOptions {
  maxPixels: number;
}

/** Adds `--max-pixels`, the largest image a PNG header may declare. */
export function pixelLimitOption(command: Command): Command {
  return command.option(
    "--max-pixels <n>",
    "refuse a PNG whose header declares more than n pixels, before decoding it",
    parsePositiveInteger,
    DEFAULT_MAX_PIXELS,
  );
}
