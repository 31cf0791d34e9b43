import type { Image } from "../../../runtime/core/image.js";
import { loadEngine } from "../../../runtime/core/load.js";
import { createPool } from "../../../runtime/node/pool.js";
import { evaluateInSandbox } from "../../../runtime/node/sandbox.js";
import { transpileTypeScript } from "../../../runtime/node/typescript.js";
import type { Tensor } from "../../ir/tensor.js";
import type { Contender } from "./contender.js";

export interface QmcContenderOptions {
  /** 1: qmc_run on this thread; more: a worker pool restoring the input in tiles. */
  readonly threads: number;
  /** The tiles' side when threads > 1 (default: the artifact's meta.tile, else the whole image). */
  readonly tile?: number;
}

/**
 * An artifact ready to run on `input`, loaded as `qmc run` loads it (js and ts in the sandbox). On
 * one thread a run is one qmc_run on the prepared input, as onnxruntime's is one session run
 * (qmc_prepare, like session creation, is not timed). On more, a run is the worker pool's restore
 * of the input in tiles of `tile` pixels, from planes to planes and stitched, as `qmc run
 * --threads N` does it.
 */
export async function qmcContender(
  name: string,
  artifact: Uint8Array | string,
  input: Tensor,
  options: QmcContenderOptions,
): Promise<Contender> {
  const [, channels, h, w] = input.shape;
  const bytes = typeof artifact === "string" ? Buffer.byteLength(artifact) : artifact.length;
  if (options.threads > 1) {
    const pool = await createPool(artifact, { threads: options.threads });
    const image: Image<Float32Array> = { data: interleaved(input), width: w, height: h, channels };
    await pool.restore(image, { tile: options.tile });
    return {
      name,
      label: `${name} (qmc, ${options.threads} threads${options.tile ? `, ${options.tile} px tiles` : ""})`,
      kind: "qmc",
      run: () => pool.restore(image, { tile: options.tile }),
      facts: () => ({ artifactBytes: bytes }),
      close: () => pool.close(),
    };
  }
  const engine = await loadEngine(artifact, { transpile: transpileTypeScript, evaluate: evaluateInSandbox });
  engine.prepare(h, w);
  engine.input().set(input.values);
  return {
    name,
    label: `${name} (qmc, 1 thread)`,
    kind: "qmc",
    run: () => engine.run(),
    // The memory after prepare and the runs: the whole wasm memory, the js arena.
    facts: () => ({ artifactBytes: bytes, memoryBytes: engine.input().buffer.byteLength }),
    close: async () => {},
  };
}

/** Planes [1, C, h, w] as an interleaved image's data. */
function interleaved(planes: Tensor): Float32Array {
  const [, channels, h, w] = planes.shape;
  const n = h * w;
  const values = planes.values;
  const out = new Float32Array(channels * n);
  for (let c = 0; c < channels; c++) for (let i = 0; i < n; i++) out[i * channels + c] = values[c * n + i];
  return out;
}
