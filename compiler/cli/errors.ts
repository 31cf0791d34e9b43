import { InvalidArgumentError } from "commander";
import { ExitCode, QmcError } from "../diagnostics.js";

/**
 * Runs a command body and turns failures into one line on stderr and an exit code: user errors
 * (QmcError) without a stack; anything else is a qmc bug, reported as such (stack with QMC_DEBUG=1).
 */
export async function guarded(body: () => Promise<number> | number): Promise<void> {
  try {
    process.exitCode = await body();
  } catch (e) {
    if (e instanceof QmcError) {
      process.stderr.write(`qmc: ${e.message}\n`);
      process.exitCode = e.exitCode;
      return;
    }
    const err = e as Error;
    process.stderr.write(`qmc: internal error: ${err?.message ?? String(e)}\n`);
    if (process.env.QMC_DEBUG) process.stderr.write(`${err?.stack ?? ""}\n`);
    else process.stderr.write("qmc: this is a bug in qmc; rerun with QMC_DEBUG=1 for details and report it\n");
    process.exitCode = ExitCode.internal;
  }
}

/** Parses a numeric option; commander names the option in its message when the value is not a number. */
export function parseNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || value.trim() === "") throw new InvalidArgumentError(`'${value}' is not a number.`);
  return n;
}

/** A tolerance, a threshold in dB: a number, zero or more. */
export function parseNonNegative(value: string): number {
  const n = parseNumber(value);
  if (n < 0) throw new InvalidArgumentError(`${n} is negative; it must be 0 or more.`);
  return n;
}

/** A count or a limit: an integer, 1 or more (exponent form allowed: 64e6). */
export function parsePositiveInteger(value: string): number {
  const n = parseNumber(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`'${value}' is not a positive integer.`);
  return n;
}

/** A name that must not be blank, such as a target. */
export function parseNonEmpty(value: string): string {
  if (value.trim() === "") throw new InvalidArgumentError("it is empty; give a name.");
  return value;
}
