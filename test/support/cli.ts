import { spawnSync } from "node:child_process";
import { join } from "node:path";

const MAIN = join(import.meta.dirname, "..", "..", "dist", "compiler", "cli", "main.js");

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `qmc` (npm test builds it first) as a user would. */
export function qmc(...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", env: { ...process.env, QMC_DEBUG: "" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A stack trace line, which user-facing failures must never print. */
export const STACK_LINE = /^\s+at .+[:(]/m;
