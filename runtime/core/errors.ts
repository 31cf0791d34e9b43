/**
 * A failure a caller can act on: a file that is not an artifact, an image the model cannot take,
 * an artifact reporting an error code. The core runs in browsers, so it cannot use the compiler's
 * QmcError; the CLI turns this into one.
 */
export class QmcRuntimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QmcRuntimeError";
  }
}
