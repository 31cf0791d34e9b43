import { type KernelProblem, UnsupportedKernels } from "../../targets/shared/unsupported.js";
import { QmcError } from "../diagnostics.js";
import type { KernelPlan } from "../plan/kernel-plan.js";
import { TARGETS, targetNamed } from "./compile-model.js";

/** What one target made of a plan: its artifact, or every kernel it cannot generate. */
export type TargetResult =
  | { readonly target: string; readonly artifact: string | Uint8Array }
  | { readonly target: string; readonly problems: readonly KernelProblem[]; readonly message: string };

/**
 * Emits the plan for each target, collecting every target's refusals instead of stopping at the
 * first: `inspect --targets` prints them and `compile` fails with all of them at once.
 */
export async function emitTargets(plan: KernelPlan, names: readonly string[]): Promise<TargetResult[]> {
  const results: TargetResult[] = [];
  for (const target of names) {
    try {
      results.push({ target, artifact: await targetNamed(target).emit(plan) });
    } catch (e) {
      if (e instanceof UnsupportedKernels) results.push({ target, problems: e.problems, message: e.message });
      else if (e instanceof QmcError)
        results.push({ target, problems: [], message: `the ${target} target: ${e.message}` });
      else throw e;
    }
  }
  return results;
}

/** Parses a `--target(s)` list: known names, each once, in the order given. */
export function targetList(text: string): string[] {
  const names = [
    ...new Set(
      text
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
  if (names.length === 0)
    throw new QmcError(`no target named in '${text}' (available: ${[...TARGETS.keys()].join(", ")})`);
  for (const n of names) targetNamed(n);
  return names;
}

/** Every kernel kind some target can generate, sorted. */
export function kernelKinds(): string[] {
  const kinds = new Set<string>();
  for (const t of TARGETS.values()) for (const k of t.generators.keys()) kinds.add(k);
  return [...kinds].sort();
}

/** The targets among `targets` that have no generator for `kind`. */
export function targetsLacking(kind: string, targets: readonly string[] = [...TARGETS.keys()]): string[] {
  return targets.filter((t) => !targetNamed(t).generators.has(kind));
}

/**
 * The kernel kind x target table, from the targets' registries: "yes" where the target has a
 * generator for the kind. A generator may still refuse one instance (a shape, an attribute it does
 * not handle); `inspect --targets` runs them to find out.
 */
export function supportTable(kinds: readonly string[], targets: readonly string[], markdown: boolean): string {
  const head = ["kind", ...targets];
  const rows = kinds.map((k) => [k, ...targets.map((t) => (targetNamed(t).generators.has(k) ? "yes" : "-"))]);
  if (markdown) {
    const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
    return `${[line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n")}\n`;
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return `${[line(head), ...rows.map(line)].join("\n")}\n`;
}
