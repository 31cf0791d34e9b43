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

export class QmcError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.badInput,
  ) {
    super(message);
    this.name = "QmcError";
  }
}

/** An error about one node: the message always names the node, its op and its domain. */
export function nodeError(node: { name: string; opType: string; domain: string }, what: string): QmcError {
  const name = node.name ? `'${node.name}'` : "(unnamed)";
  const domain = node.domain === "ai.onnx" ? "" : `${node.domain}.`;
  return new QmcError(`node ${name} (${domain}${node.opType}): ${what}`);
}
