import type { Engine } from "./engine.js";
import { QmcRuntimeError } from "./errors.js";
import type { ArtifactMeta } from "./meta.js";
import { type Model, modelFromTiler } from "./model.js";
import { cutTile, isWhole, Stitcher, tileOrigins, tilingFor } from "./tile.js";

/**
 * A pool of workers that restores the tiles of one image in parallel. The core holds the
 * scheduling and the worker's side of the protocol and stays browser-safe: the host says how a
 * worker is started (worker_threads in Node, runtime/node/pool.ts; a Web Worker in browsers,
 * webPoolWorker below).
 */

export type PoolRequest =
  | { readonly kind: "load"; readonly artifact: Uint8Array | string }
  | { readonly kind: "run"; readonly h: number; readonly w: number; readonly input: Float32Array };

export type PoolReply =
  | { readonly kind: "loaded"; readonly meta: ArtifactMeta }
  | { readonly kind: "ran"; readonly output: Float32Array }
  | { readonly kind: "failed"; readonly message: string };

/** The pool's handle on one worker, whatever starts it. */
export interface PoolWorker {
  post(request: PoolRequest, transfer: ArrayBuffer[]): void;
  /** Called once. `onCrash`: the worker died outside a request (a failed start, an uncaught error). */
  listen(onReply: (reply: PoolReply) => void, onCrash: (error: Error) => void): void;
  /** Ends the worker; resolves once it has stopped. */
  terminate(): Promise<void>;
}

export interface WorkerPool extends Model {
  readonly threads: number;
  /** Ends every worker; restores still running fail, later ones are refused. */
  close(): Promise<void>;
}

interface Job {
  readonly request: PoolRequest;
  readonly transfer: ArrayBuffer[];
  readonly resolve: (reply: PoolReply) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Starts `threads` workers, loads the artifact into each, and returns a Model whose restore cuts the
 * image into its tiles (the tiling runTiled would use), runs them on whichever worker is free, and
 * sums the outputs on this thread in tile order: the result is byte-identical to runTiled's.
 */
export async function createWorkerPool(
  artifact: Uint8Array | string,
  spawn: () => PoolWorker,
  threads: number,
): Promise<WorkerPool> {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new QmcRuntimeError(`threads ${threads} is not a positive integer`);
  }
  const workers: PoolWorker[] = [];
  const running: Array<Job | null> = [];
  const queue: Job[] = [];
  let stopped: Error | null = null;

  const stop = (error: Error): void => {
    stopped ??= error;
    for (const job of [...running, ...queue.splice(0)]) job?.reject(stopped);
    running.fill(null);
  };
  const pump = (): void => {
    for (let i = 0; i < workers.length && queue.length > 0; i++) {
      if (running[i]) continue;
      const job = queue.shift() as Job;
      running[i] = job;
      workers[i].post(job.request, job.transfer);
    }
  };
  const submit = (request: PoolRequest, transfer: ArrayBuffer[] = []): Promise<PoolReply> =>
    new Promise((resolve, reject) => {
      if (stopped) return reject(stopped);
      queue.push({ request, transfer, resolve, reject });
      pump();
    });

  for (let i = 0; i < threads; i++) {
    const worker = spawn();
    workers.push(worker);
    running.push(null);
    worker.listen(
      (reply) => {
        const job = running[i];
        running[i] = null;
        if (reply.kind === "failed") job?.reject(new QmcRuntimeError(reply.message));
        else job?.resolve(reply);
        pump();
      },
      (error) => stop(new QmcRuntimeError(`a pool worker stopped: ${error.message}`)),
    );
  }
  const close = async (): Promise<void> => {
    stop(new QmcRuntimeError("the worker pool is closed"));
    await Promise.all(workers.map((w) => w.terminate()));
  };

  let meta: ArtifactMeta;
  try {
    // One load per worker: each job goes to a free worker, and none is free until it has loaded.
    const loaded = await Promise.all(workers.map(() => submit({ kind: "load", artifact })));
    meta = (loaded[0] as Extract<PoolReply, { kind: "loaded" }>).meta;
  } catch (e) {
    await close();
    throw e;
  }
  const run = async (h: number, w: number, input: Float32Array): Promise<Float32Array> =>
    ((await submit({ kind: "run", h, w, input }, [input.buffer as ArrayBuffer])) as Extract<PoolReply, { kind: "ran" }>)
      .output;

  const model = modelFromTiler(meta, async (planes, h, w, options) => {
    const tiling = tilingFor(meta, h, w, options);
    if (isWhole(tiling, h, w)) {
      const output = await run(h, w, planes.slice());
      options.onProgress?.(1, 1);
      return { planes: output, tiling };
    }
    const [th, tw] = tiling.size;
    const origins = tileOrigins(tiling);
    const stitch = new Stitcher(meta, tiling, h, w);
    const outputs: Array<Float32Array | undefined> = [];
    // Tiles finished ahead of the next one to add wait in `outputs`; the window bounds them.
    const window = 2 * threads;
    let sent = 0;
    let added = 0;
    let failed = false;
    await new Promise<void>((resolve, reject) => {
      const send = (): void => {
        while (!failed && sent < origins.length && sent - added < window) {
          const index = sent++;
          const input = new Float32Array(meta.channels * th * tw);
          cutTile(planes, h, w, meta.channels, tiling, origins[index], input);
          run(th, tw, input).then(
            (output) => {
              outputs[index] = output;
              while (outputs[added]) {
                stitch.add(outputs[added] as Float32Array, origins[added]);
                outputs[added++] = undefined;
                options.onProgress?.(added, origins.length);
              }
              if (added === origins.length) resolve();
              else send();
            },
            (error: Error) => {
              failed = true;
              reject(error);
            },
          );
        }
      };
      send();
    });
    return { planes: stitch.finish(), tiling };
  });
  return { ...model, threads, close };
}

/**
 * The worker's side: answers the pool's requests with one engine, prepared again only when the
 * tile size changes (as runTiled prepares once for all the tiles of an image).
 */
export function serveTiles(
  port: { post(reply: PoolReply, transfer: ArrayBuffer[]): void; listen(onRequest: (r: PoolRequest) => void): void },
  load: (artifact: Uint8Array | string) => Promise<Engine>,
): void {
  let engine: Engine | undefined;
  let prepared = "";
  const answer = async (request: PoolRequest): Promise<void> => {
    if (request.kind === "load") {
      engine = await load(request.artifact);
      port.post({ kind: "loaded", meta: engine.meta }, []);
      return;
    }
    if (!engine) throw new QmcRuntimeError("the pool sent a tile before the artifact");
    const size = `${request.h}x${request.w}`;
    if (size !== prepared) {
      prepared = "";
      engine.prepare(request.h, request.w);
      prepared = size;
    }
    engine.input().set(request.input);
    engine.run();
    const output = engine.output().slice();
    port.post({ kind: "ran", output }, [output.buffer]);
  };
  port.listen((request) =>
    answer(request).catch((e: unknown) => {
      // A failed run may leave the artifact's memory half-written: prepare again before the next.
      prepared = "";
      port.post({ kind: "failed", message: e instanceof Error ? e.message : String(e) }, []);
    }),
  );
}

/** What the pool needs of a browser Worker (and of a worker's global scope). */
export interface WebWorkerLike {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  addEventListener(type: "message" | "error", listener: (event: { data?: unknown; message?: string }) => void): void;
}

/** A browser Web Worker (running serveTilesInWorker) as a pool worker. */
export function webPoolWorker(worker: WebWorkerLike & { terminate(): void }): PoolWorker {
  return {
    post: (request, transfer) => worker.postMessage(request, transfer),
    listen(onReply, onCrash) {
      worker.addEventListener("message", (event) => onReply(event.data as PoolReply));
      worker.addEventListener("error", (event) => onCrash(new Error(event.message ?? "the worker failed")));
    },
    terminate: async () => worker.terminate(),
  };
}

/** The body of a Web Worker script for webPoolWorker: `serveTilesInWorker(self, (a) => loadEngine(a))`. */
export function serveTilesInWorker(
  scope: WebWorkerLike,
  load: (artifact: Uint8Array | string) => Promise<Engine>,
): void {
  serveTiles(
    {
      post: (reply, transfer) => scope.postMessage(reply, transfer),
      listen: (onRequest) => scope.addEventListener("message", (event) => onRequest(event.data as PoolRequest)),
    },
    load,
  );
}
