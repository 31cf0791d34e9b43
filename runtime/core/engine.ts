import { QmcRuntimeError } from "./errors.js";
import { type ArtifactMeta, outChannelsOf } from "./meta.js";

/**
 * One artifact, whatever its kind, as the tiler drives it: prepare for an input size, fill the
 * input, run, read the output. Views are valid until the next `prepare` (which may replace or grow
 * the memory) and must be re-read after it.
 */
export interface Engine {
  readonly meta: ArtifactMeta;
  prepare(h: number, w: number): void;
  /** The float32 NCHW input buffer of the prepared size: channels x h x w, values in [0, 1]. */
  input(): Float32Array;
  /** The float32 NCHW output buffer: out_channels x (h * scale) x (w * scale). */
  output(): Float32Array;
  run(): void;
}

/** The bundle ABI's functions, as a wasm instance exports them and a js/ts artifact defines them. */
export interface BundleFunctions {
  qmc_prepare(h: number, w: number): number;
  qmc_input(): number;
  qmc_output(): number;
  qmc_run(): number;
}

export const BUNDLE_FUNCTIONS = ["qmc_prepare", "qmc_input", "qmc_output", "qmc_run"] as const;

const byteLengthGetter = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength")?.get;

/**
 * The size of an ArrayBuffer of any realm (a sandboxed artifact's memory is not `instanceof` this
 * realm's ArrayBuffer), undefined for anything else. The intrinsic getter reads the buffer itself,
 * so a script that redefined `byteLength` on its own buffers runs no code here.
 */
export function arrayBufferByteLength(value: unknown): number | undefined {
  try {
    return byteLengthGetter?.call(value) as number;
  } catch {
    return undefined;
  }
}

const STATUS: Readonly<Record<number, string>> = { [-1]: "bad size", [-2]: "out of memory" };

/** A negative status becomes an error naming the call, e.g. "qmc_prepare(5000, 5000): out of memory (-2)". */
function checkStatus(call: string, status: number): void {
  if (status >= 0) return;
  throw new QmcRuntimeError(`${call}: ${STATUS[status] ?? "failed"} (${status})`);
}

/** Calls into the artifact; a trap or exception inside it is reported as the artifact's failure. */
function call<T>(what: string, body: () => T): T {
  try {
    return body();
  } catch (e) {
    if (e instanceof QmcRuntimeError) throw e;
    throw new QmcRuntimeError(`${what} failed inside the artifact: ${(e as Error)?.message ?? String(e)}`);
  }
}

/**
 * An Engine over the bundle ABI. `memory` is asked for on every view because prepare may replace
 * the js arena or grow the wasm memory (which detaches the old ArrayBuffer).
 */
export function bundleEngine(meta: ArtifactMeta, abi: BundleFunctions, memory: () => ArrayBuffer): Engine {
  let size: { h: number; w: number } | undefined;
  const view = (fn: "qmc_input" | "qmc_output", pixels: number): Float32Array => {
    if (!size) throw new QmcRuntimeError(`${fn}: called before qmc_prepare`);
    const offset = call(`${fn}()`, () => abi[fn]());
    const length = (fn === "qmc_input" ? meta.channels : outChannelsOf(meta)) * pixels;
    const buffer = memory();
    const bytes = arrayBufferByteLength(buffer) ?? 0;
    if (!Number.isInteger(offset) || offset < 0 || offset % 4 !== 0 || offset + length * 4 > bytes) {
      throw new QmcRuntimeError(
        `${fn}() returned ${offset}: not a 4-aligned offset of ${length} float32 values inside the ${bytes}-byte memory`,
      );
    }
    return new Float32Array(buffer, offset, length);
  };
  return {
    meta,
    prepare(h, w) {
      const what = `qmc_prepare(${h}, ${w})`;
      size = undefined;
      checkStatus(
        what,
        call(what, () => abi.qmc_prepare(h, w)),
      );
      size = { h, w };
    },
    input: () => view("qmc_input", size ? size.h * size.w : 0),
    output: () => view("qmc_output", size ? size.h * size.w * meta.scale * meta.scale : 0),
    run() {
      if (!size) throw new QmcRuntimeError("qmc_run: called before qmc_prepare");
      checkStatus(
        "qmc_run()",
        call("qmc_run()", () => abi.qmc_run()),
      );
    },
  };
}
