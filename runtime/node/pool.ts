import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { createWorkerPool, type PoolReply, type PoolWorker, type WorkerPool } from "../core/pool.js";

export interface PoolOptions {
  /** Worker threads (default: every core, os.availableParallelism()). */
  readonly threads?: number;
}

/**
 * A worker_threads pool restoring with one artifact (.wasm bytes, or js/ts text or bytes): each
 * worker loads it as loadModelFile does (js/ts sandboxed with a time limit, ts transpiled), and
 * restore's output is byte-identical to a one-thread restore with the same tiling.
 */
export function createPool(artifact: Uint8Array | string, options: PoolOptions = {}): Promise<WorkerPool> {
  return createWorkerPool(artifact, spawnNodeWorker, options.threads ?? availableParallelism());
}

/** A Node worker thread as a pool worker; `thread` is the Worker itself. */
export function nodePoolWorker(thread: Worker): PoolWorker & { readonly thread: Worker } {
  let ending = false;
  return {
    thread,
    post: (request, transfer) => thread.postMessage(request, transfer),
    listen(onReply, onCrash) {
      thread.on("message", (reply: PoolReply) => onReply(reply));
      thread.on("error", onCrash);
      thread.on("exit", (code) => {
        if (!ending) onCrash(new Error(`it exited with code ${code}`));
      });
    },
    async terminate() {
      ending = true;
      await thread.terminate();
    },
  };
}

/**
 * Starts runtime/node/pool-worker: the compiled .js beside this file, or, where this file runs as
 * TypeScript source (tests, tsx), the .ts one through tsx's loader, which a worker does not inherit.
 */
export function spawnNodeWorker(): PoolWorker & { readonly thread: Worker } {
  const here = import.meta.url;
  if (!here.endsWith(".ts")) return nodePoolWorker(new Worker(new URL("./pool-worker.js", here)));
  const entry = new URL("./pool-worker.ts", here).href;
  // The ESM entry of tsx's "./esm/api" export (require.resolve would give its CommonJS one).
  const tsx = new URL("dist/esm/api/index.mjs", pathToFileURL(createRequire(here).resolve("tsx/package.json"))).href;
  const code = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`;
  return nodePoolWorker(new Worker(code, { eval: true }));
}
