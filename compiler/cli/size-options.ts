import { type Command, InvalidArgumentError } from "commander";
import type { SizeRequest } from "../plan/input-size.js";

export interface SizeOptions {
  size?: { h: number; w: number };
  dim?: Record<string, number>;
}

/** Adds `--size HxW` and `--dim NAME=N` (repeatable), which pin the model's input dimensions. */
export function sizeOptions(
  command: Command,
  sizeHelp = "plan for this input size only (the artifact refuses others)",
): Command {
  return command
    .option("--size <HxW>", sizeHelp, parseSize)
    .option(
      "--dim <NAME=N>",
      "pin the input's symbolic dimension NAME to N (repeatable)",
      (value: string, previous: Record<string, number> = {}) => {
        const [name, n] = parseDimPin(value);
        return { ...previous, [name]: n };
      },
    );
}

export function sizeRequest(opts: SizeOptions): SizeRequest {
  return { size: opts.size, dims: opts.dim };
}

export function parseSize(value: string): { h: number; w: number } {
  const m = /^(\d+)x(\d+)$/.exec(value);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1)
    throw new InvalidArgumentError(`'${value}' is not a size HxW such as 64x64.`);
  return { h: Number(m[1]), w: Number(m[2]) };
}

function parseDimPin(value: string): [string, number] {
  const m = /^([^=]+)=(\d+)$/.exec(value.trim());
  if (!m || Number(m[2]) < 1) throw new InvalidArgumentError(`'${value}' is not NAME=N with N a positive integer.`);
  return [m[1], Number(m[2])];
}
