import { formatSummary } from "../../compiler/cli/commands/inspect.js";
import { ExitCode, QmcError } from "../../compiler/diagnostics.js";
import { summarizeModel } from "../../compiler/inspect/summary.js";
import { Interpreter } from "../../compiler/interp/interpreter.js";
import { decodeModel } from "../../compiler/onnx/decode.js";
import { DEFAULT_MODEL_LIMITS, type ModelLimits } from "../../compiler/onnx/limits.js";
import { assertSupported } from "../../compiler/ops/registry.js";
import { runPipeline } from "../../compiler/pipeline.js";
import { buildPlan } from "../../compiler/plan/build-plan.js";
import { pinInputSize } from "../../compiler/plan/input-size.js";
import type { QmcRuntimeError } from "../../runtime/core/errors.js";
import { emitJs } from "../../targets/js/emit.js";
import type { ModelSeed } from "./seeds.js";

/**
 * What one case may ask for: a tenth of the defaults, so that no mutated dim makes a case allocate
 * more than a few hundred MB (2^24 float64 elements of one tensor = 128 MiB).
 */
export const FUZZ_LIMITS: ModelLimits = {
  ...DEFAULT_MODEL_LIMITS,
  modelBytes: 64 * 1024 * 1024,
  tensorElements: 2 ** 24,
  totalElements: 2 ** 25,
  nodes: 100_000,
};

/** How one case ended: in success, in a refusal the CLI would print as one line and exit 2, or in a failure. */
export type Outcome =
  | { readonly status: "ok" }
  | { readonly status: "refused"; readonly message: string }
  | { readonly status: "failed"; readonly problem: string };

/**
 * Runs a (mutated) model through what `qmc inspect` and `qmc compile --target js` do, in process.
 * `baseDir` is where external data resolves.
 */
export function compileCase(bytes: Uint8Array, seed: ModelSeed, baseDir: string): Outcome {
  return outcomeOf(QmcError, () => {
    const file = `${seed.name}.onnx`;
    const model = decodeModel(bytes, { file, baseDir, limits: FUZZ_LIMITS });
    formatSummary(file, summarizeModel(model));
    assertSupported(model, file);
    if (seed.kind === "reference") {
      new Interpreter(model, file).run(seed.inputs);
      runPipeline(model, file);
      return;
    }
    const pinned = pinInputSize(model, file, {});
    const compiled = runPipeline(pinned.model, file);
    const plan = buildPlan(compiled, file, { name: seed.name, sha256: "fuzz" }, pinned.axes);
    emitJs(plan, { compilerVersion: "fuzz", target: "js" });
  });
}

/** Runs `body`; a thrown `expected` error with a clear message is a refusal, anything else a failure. */
export function outcomeOf(expected: typeof QmcError | typeof QmcRuntimeError, body: () => void): Outcome {
  try {
    body();
    return { status: "ok" };
  } catch (e) {
    return judgeError(e, expected);
  }
}

export function judgeError(e: unknown, expected: typeof QmcError | typeof QmcRuntimeError): Outcome {
  if (!(e instanceof expected)) {
    const err = e as Error;
    return { status: "failed", problem: `${err?.name ?? typeof e}: ${err?.message ?? String(e)}${thrownAt(err)}` };
  }
  if (e instanceof QmcError && e.exitCode !== ExitCode.badInput) {
    return { status: "failed", problem: `QmcError with exit code ${e.exitCode}: ${e.message}` };
  }
  const problem = unclearMessage(e.message);
  return problem
    ? { status: "failed", problem: `${problem}: ${JSON.stringify(e.message)}` }
    : { status: "refused", message: e.message };
}

/**
 * Why a message is not one clear line, or undefined when it is. A message that lists what it
 * refuses ("cannot compile 2 of 9 kernels:", "3 node(s) cannot be evaluated:") may put each item on
 * an indented line of its own.
 */
export function unclearMessage(message: string): string | undefined {
  const [first, ...rest] = message.split("\n");
  if (first.trim() === "") return "empty first line";
  if (rest.length && !(first.endsWith(":") && rest.every((l) => /^\s+\S/.test(l)))) return "more than one line";
  if (/\p{Cc}/u.test(message.replace(/\n/g, ""))) return "raw control characters";
  if (/\bundefined\b|\[object Object\]/.test(first) && !/'[^']*undefined[^']*'/.test(first)) {
    return "a value leaked into the message";
  }
  return undefined;
}

/** Where in qmc an unexpected error came from: its first stack frames outside node_modules. */
function thrownAt(err: Error | undefined): string {
  const frames = (err?.stack ?? "")
    .split("\n")
    .filter((l) => l.includes(" at ") && !l.includes("node_modules") && !l.includes("node:"))
    .slice(0, 3)
    .map((l) =>
      l
        .trim()
        .replace(/^at /, "")
        .replace(/\/work\/main\//, ""),
    );
  return frames.length ? ` (at ${frames.join(" < ")})` : "";
}
