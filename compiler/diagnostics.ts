/**
 * User-facing failures. Anything thrown as a QmcError is printed as one line, without a stack, and
 * the process exits with its code; anything else reaching the CLI is a compiler bug.
 */
export const ExitCode = {
  ok: 0,
  /** A verification found a mismatch: the tool worked, the numbers did not agree. */
  mismatch: 1,
  /** Bad input: unreadable path, malformed model, unsupported op, wrong arguments. */
  badInput: 2,
  /** A bug in qmc itself. */
  internal: 3,
} as const;

/**
 * What a terminal must not receive raw from a model or a path: C0 and C1 controls and DEL (escape
 * sequences retitle windows, clear screens, fake output), format characters (bidi overrides and
 * isolates reorder what is shown; zero-width and tag characters hide text), line and paragraph
 * separators, and lone surrogates.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/** One character as `\xNN` or `\u{...}`: how terminals and generated comments show what they must not hold. */
export function visibleEscape(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  return cp < 0x100 ? `\\x${cp.toString(16).padStart(2, "0")}` : `\\u{${cp.toString(16)}}`;
}

/**
 * A model-derived string (name, producer, path) as it may be printed: every character above made
 * visible as `\xNN` or `\u{...}`, readable text (any script) kept. Escaping twice changes nothing.
 */
export function terminalText(text: string): string {
  return text.replace(UNPRINTABLE, visibleEscape);
}

/** Several lines built by qmc, each holding model strings: the line breaks between them stay. */
export function terminalLines(text: string): string {
  return text.split("\n").map(terminalText).join("\n");
}

/**
 * JSON for stdout: the same data as JSON.stringify gives, with the characters above that it leaves
 * raw (DEL and up) written as `\uXXXX` escapes, so that printing it is as safe as the text. Its
 * only raw control is the line break of the indentation.
 */
export function terminalJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(UNPRINTABLE, (c) => (c === "\n" ? c : jsonEscape(c)));
}

/** `\uXXXX` per UTF-16 unit: valid in JSON and in JavaScript string literals. */
export function jsonEscape(c: string): string {
  let out = "";
  for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, "0")}`;
  return out;
}

export class QmcError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.badInput,
  ) {
    // Messages are built from model strings in many places and all end up on a terminal.
    super(terminalLines(message));
    this.name = "QmcError";
  }
}

/** An error about one node: the message always names the node, its op and its domain. */
export function nodeError(node: { name: string; opType: string; domain: string }, what: string): QmcError {
  // The node's strings are escaped whole, line breaks included: a name cannot start a fake line.
  const name = node.name ? `'${terminalText(node.name)}'` : "(unnamed)";
  const domain = node.domain === "ai.onnx" ? "" : `${terminalText(node.domain)}.`;
  return new QmcError(`node ${name} (${domain}${terminalText(node.opType)}): ${what}`);
}
