import { QmcError, terminalText } from "../diagnostics.js";

/**
 * Why a pass left something as it is: recognition passes record here each candidate subgraph they
 * declined (a wrong constant, an unexpected shape), so `qmc inspect --plan` can say why a scan or
 * a quantizer still runs op by op. Passes stay graph -> graph; notes go to whoever collects them.
 */
export interface PassNote {
  readonly pass: string;
  /** The node the candidate was found at (its name, or its first output when unnamed). */
  readonly node: string;
  readonly message: string;
}

let sink: PassNote[] | undefined;

/** Records a note for the innermost `collectPassNotes`; does nothing when nobody collects. */
export function notePass(pass: string, node: string, message: string): void {
  sink?.push({ pass, node, message });
}

/**
 * Runs `work` and appends the notes passes record meanwhile to `into`. A QmcError from `work` (the
 * planner refusing a graph whose scan stayed unrecognised) is rethrown with the notes appended: they
 * are usually the reason.
 */
export function collectPassNotes<T>(into: PassNote[], work: () => T): T {
  const outer = sink;
  sink = into;
  try {
    return work();
  } catch (e) {
    if (e instanceof QmcError && into.length > 0)
      throw new QmcError(`${e.message}\n${formatPassNotes(into)}`, e.exitCode);
    throw e;
  } finally {
    sink = outer;
  }
}

/** The notes as `inspect` prints them, one line each, or "" when there are none. */
export function formatPassNotes(notes: readonly PassNote[]): string {
  if (notes.length === 0) return "";
  const lines = [`  left unrecognised (${notes.length}):`];
  for (const n of notes) lines.push(terminalText(`    ${n.pass}: at '${n.node}': ${n.message}`));
  return `${lines.join("\n")}\n`;
}
