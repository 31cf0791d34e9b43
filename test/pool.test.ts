import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { pathToFileURL } from "node:url";
import { MessageChannel, Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  AUTO_ARENA_CAP,
  AUTO_OVERLAP,
  PROGRESS_DELAY_MS,
  progressBar,
  tileOptionsFor,
} from "../compiler/cli/artifact-loader.js";
import { targetNamed } from "../compiler/cli/compile-model.js";
import { planModelFile } from "../compiler/cli/load-plan.js";
import { loadEngine, loadModel } from "../runtime/core/load.js";
import {
  createWorkerPool,
  type PoolReply,
  type PoolRequest,
  serveTiles,
  serveTilesInWorker,
  type WorkerPool,
  webPoolWorker,
} from "../runtime/core/pool.js";
import { encodePng } from "../runtime/node/png.js";
import { createPool, nodePoolWorker, spawnNodeWorker } from "../runtime/node/pool.js";
import { evaluateInSandbox } from "../runtime/node/sandbox.js";
import { transpileTypeScript } from "../runtime/node/typescript.js";
import { jsArtifact, wasmArtifact } from "./runtime/support/artifacts.js";
import { qmc } from "./support/cli.js";

const MODEL = "samples/models/qmambair-tiny-sr2-w4a4/model.onnx";
const load = { transpile: transpileTypeScript, evaluate: evaluateInSandbox };

/** A deterministic RGB image: a model whose tiles see different content gives each a different output. */
function image(width: number, height: number) {
  const data = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 7919 + (i >> 5) * 31) % 256);
  return { data, width, height, channels: 3 as const };
}

const artifacts: Record<string, Uint8Array | string> = {};
const pools: WorkerPool[] = [];

beforeAll(async () => {
  const { plan } = planModelFile(MODEL, {});
  artifacts.js = (await targetNamed("js").emit(plan)) as string;
  artifacts["wasm-simd"] = await targetNamed("wasm-simd").emit(plan);
}, 120_000);

afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe("createPool: tiles on worker threads, stitched in tile order", () => {
  for (const target of ["wasm-simd", "js"]) {
    it(`${target}: 1, 2 and 3 threads give the one-engine result byte for byte`, async () => {
      const input = image(23, 18);
      const options = { tile: 8, overlap: 2 };
      const one = await (await loadModel(artifacts[target], load)).restore(input, options);
      expect(one.tiling.ys.length * one.tiling.xs.length).toBe(12);
      for (const threads of [1, 2, 3]) {
        const pool = await createPool(artifacts[target], { threads });
        pools.push(pool);
        expect(pool.threads).toBe(threads);
        const seen: number[] = [];
        const out = await pool.restore(input, { ...options, onProgress: (done) => seen.push(done) });
        expect(Buffer.from(out.image.data).equals(Buffer.from(one.image.data))).toBe(true);
        expect(out.tiling).toEqual(one.tiling);
        expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        await pool.close();
        if (threads !== 2) continue;
        // Whole-image runs go to one worker, and concurrent restores share the workers.
        const both = await createPool(artifacts[target], { threads });
        pools.push(both);
        const [whole, again] = await Promise.all([both.restore(input), both.restore(input, options)]);
        const reference = await (await loadModel(artifacts[target], load)).restore(input);
        expect(Buffer.from(whole.image.data).equals(Buffer.from(reference.image.data))).toBe(true);
        expect(Buffer.from(again.image.data).equals(Buffer.from(one.image.data))).toBe(true);
        await both.close();
      }
    }, 120_000);
  }

  it("runs a .wasm artifact in the workers", async () => {
    const bytes = wasmArtifact();
    const pool = await createPool(bytes, { threads: 2 });
    pools.push(pool);
    expect(pool.info).toEqual((await loadModel(bytes)).info);
    const input = image(9, 7);
    const out = await pool.restore(input, { tile: 4, overlap: 1 });
    expect(Buffer.from(out.image.data).equals(Buffer.from(input.data))).toBe(true);
    await pool.close();
  });
});

describe("pool failures", () => {
  it("an error inside the workers' artifact rejects the restore once, with the artifact's message", async () => {
    // qmc_prepare refuses more than 16 pixels: every 8x8 tile fails in whichever worker runs it.
    const pool = await createPool(jsArtifact(1, 3, 16), { threads: 2 });
    pools.push(pool);
    await expect(pool.restore(image(20, 20), { tile: 8 })).rejects.toThrow(
      /^qmc_prepare\(8, 8\): out of memory \(-2\)$/,
    );
    // The pool stays usable: a size the artifact accepts restores.
    const small = image(4, 4);
    const out = await pool.restore(small);
    expect(Buffer.from(out.image.data).equals(Buffer.from(small.data))).toBe(true);
    await pool.close();
  });

  it("an artifact that does not load fails createPool with its message and ends the workers", async () => {
    const threads: Worker[] = [];
    const spawn = () => {
      const w = spawnNodeWorker();
      threads.push(w.thread);
      return w;
    };
    await expect(createWorkerPool("not an artifact", spawn, 2)).rejects.toThrow(
      /^the artifact script failed to evaluate: /,
    );
    expect(threads.map((t) => t.threadId)).toEqual([-1, -1]);
  });

  it("a worker that dies stops the pool with one error", async () => {
    const spawn = () => nodePoolWorker(new Worker("throw new Error('boom')", { eval: true }));
    await expect(createWorkerPool(jsArtifact(1, 3), spawn, 2)).rejects.toThrow(/^a pool worker stopped: boom$/);
  });

  it("close() ends every worker and refuses later restores", async () => {
    const threads: Worker[] = [];
    const spawn = () => {
      const w = spawnNodeWorker();
      threads.push(w.thread);
      return w;
    };
    const pool = await createWorkerPool(jsArtifact(2, 3), spawn, 3);
    expect(threads.every((t) => t.threadId > 0)).toBe(true);
    await pool.close();
    expect(threads.map((t) => t.threadId)).toEqual([-1, -1, -1]);
    await expect(pool.restore(image(4, 4))).rejects.toThrow(/^the worker pool is closed$/);
  });

  it("rejects a thread count that is not a positive integer", async () => {
    await expect(createPool(jsArtifact(1, 3), { threads: 0 })).rejects.toThrow(/threads 0 is not a positive integer/);
  });
});

describe("Web Worker adapters (browser-safe core, driven here over MessageChannel ports)", () => {
  /** A Web Worker stand-in: port1 is the page's Worker, port2 the worker's global scope. */
  function fakeWebWorker() {
    const { port1, port2 } = new MessageChannel();
    const page = port1 as unknown as EventTarget & { postMessage(m: unknown, t: ArrayBuffer[]): void };
    serveTilesInWorker(port2 as never, (artifact) => loadEngine(artifact, load));
    return Object.assign(page, {
      terminate: () => {
        port1.close();
        port2.close();
      },
    });
  }

  it("restores byte-identically to one engine, and a worker's error event stops the pool", async () => {
    const input = image(23, 18);
    const one = await (await loadModel(artifacts.js, load)).restore(input, { tile: 8, overlap: 2 });
    const workers: ReturnType<typeof fakeWebWorker>[] = [];
    const pool = await createWorkerPool(
      artifacts.js,
      () => {
        const w = fakeWebWorker();
        workers.push(w);
        return webPoolWorker(w as never);
      },
      2,
    );
    const out = await pool.restore(input, { tile: 8, overlap: 2 });
    expect(Buffer.from(out.image.data).equals(Buffer.from(one.image.data))).toBe(true);
    workers[0].dispatchEvent(Object.assign(new Event("error"), { message: "script error" }));
    await expect(pool.restore(input)).rejects.toThrow(/^a pool worker stopped: script error$/);
    await pool.close();
  });

  it("serveTiles refuses a tile before the artifact", async () => {
    const replies: PoolReply[] = [];
    let send: (r: PoolRequest) => void = () => {};
    serveTiles({ post: (reply) => replies.push(reply), listen: (onRequest) => (send = onRequest) }, (artifact) =>
      loadEngine(artifact),
    );
    send({ kind: "run", h: 1, w: 1, input: new Float32Array(3) });
    await new Promise((r) => setTimeout(r, 10));
    expect(replies).toEqual([{ kind: "failed", message: "the pool sent a tile before the artifact" }]);
  });
});

describe("qmc run and eval --threads, and their defaults (the built CLI)", () => {
  const dir = mkdtempSync(join(tmpdir(), "qmc-pool-"));
  const png = (name: string, width: number, height: number) => {
    const path = join(dir, name);
    writeFileSync(path, encodePng(image(width, height)));
    return path;
  };

  it("--threads 2 writes the --threads 1 image byte for byte", () => {
    const bundle = join(dir, "model.wasm");
    writeFileSync(bundle, artifacts["wasm-simd"]);
    const input = png("large.png", 150, 140);
    const results = [1, 2].map((threads) => {
      const output = join(dir, `out-${threads}.png`);
      const r = qmc(
        "run",
        bundle,
        input,
        "-o",
        output,
        "--threads",
        String(threads),
        "--json",
        "--tile",
        "128",
        "--overlap",
        "16",
      );
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      return { json: JSON.parse(r.stdout), bytes: readFileSync(output) };
    });
    expect(results[1].bytes.equals(results[0].bytes)).toBe(true);
    expect(results.map((r) => r.json.threads)).toEqual([1, 2]);
    expect(results[0].json.tiling).toEqual({ tile: 128, size: [128, 128], overlap: 16, ys: [0, 12], xs: [0, 22] });
    expect(results[1].json.tiling).toEqual(results[0].json.tiling);
  }, 60_000);

  it("run tiles an image on its own only where the whole image's arena would pass the cap; eval never", () => {
    const meta = { abi: 1, scale: 2, channels: 3, arena_bytes: { fixed: 1000, per_pixel: 2240 } };
    expect(tileOptionsFor(meta, 150, 140, undefined, undefined, true)).toEqual({});
    const big = tileOptionsFor(meta, 1024, 1024, undefined, undefined, true);
    expect(big).toEqual({ tile: 240, overlap: AUTO_OVERLAP });
    expect(1000 + 2240 * 240 * 240).toBeLessThanOrEqual(AUTO_ARENA_CAP);
    expect(1000 + 2240 * 248 * 248).toBeGreaterThan(AUTO_ARENA_CAP);
    expect(tileOptionsFor(meta, 1024, 1024, undefined, undefined, false)).toEqual({});
    expect(tileOptionsFor(meta, 1024, 1024, 64, 8, true)).toEqual({ tile: 64, overlap: 8 });
    expect(tileOptionsFor({ ...meta, tile: 48 }, 1024, 1024, undefined, undefined, true)).toEqual({});
  });

  it("an .onnx model is compiled in memory for wasm-simd (this Node has no working relaxed SIMD); --target picks another", () => {
    const input = png("small.png", 12, 10);
    const simd = qmc("run", MODEL, input, "-o", join(dir, "simd.png"), "--json", "--threads", "1");
    expect(simd.status).toBe(0);
    expect(JSON.parse(simd.stdout).model.target).toBe("wasm-simd");
    const js = qmc("run", MODEL, input, "-o", join(dir, "js.png"), "--json", "--target", "js");
    expect(js.status).toBe(0);
    expect(JSON.parse(js.stdout).model.target).toBe("js");
    const bad = qmc("run", MODEL, input, "-o", join(dir, "x.png"), "--target", "wasm-nope");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown target 'wasm-nope'/);
  }, 120_000);

  it("--target with an artifact file is refused, --threads 0 too", () => {
    const input = png("tiny.png", 4, 4);
    const bundle = join(dir, "model.wasm");
    const target = qmc("run", bundle, input, "-o", join(dir, "t.png"), "--target", "js");
    expect(target.status).toBe(2);
    expect(target.stderr).toMatch(/--target compiles an \.onnx model; .*model\.wasm is an artifact already compiled/);
    const zero = qmc("run", bundle, input, "-o", join(dir, "t.png"), "--threads", "0");
    expect(zero.status).toBe(2);
    expect(zero.stderr).toMatch(/'0' is not a positive integer/);
  });

  it("run with an artifact loads neither the compiler nor binaryen (a module-resolution hook lists them)", () => {
    const hook = join(dir, "hook.mjs");
    writeFileSync(
      hook,
      `export async function resolve(specifier, context, next) {
        const r = await next(specifier, context);
        if (/\\/(binaryen|ts-morph|protobufjs)\\/|\\/compiler\\/(pipeline|cli\\/compile-model)\\.js$/.test(r.url)) process.stderr.write("loaded " + r.url + "\\n");
        return r;
      }`,
    );
    const register = `data:text/javascript,import { register } from "node:module"; register(${JSON.stringify(pathToFileURL(hook).href)});`;
    const main = join("dist", "compiler", "cli", "main.js");
    const input = png("hooked.png", 6, 5);
    const runs = [join(dir, "model.wasm"), MODEL].map((model) =>
      spawnSync(process.execPath, ["--import", register, main, "run", model, input, "-o", join(dir, "h.png")], {
        encoding: "utf8",
      }),
    );
    expect(runs.map((r) => r.status)).toEqual([0, 0]);
    expect(runs[0].stderr).toBe("");
    expect(runs[1].stderr).toMatch(/loaded .*binaryen/);
  }, 120_000);

  it("eval: the same scores and tilings on 1 and 2 threads", () => {
    mkdirSync(join(dir, "set", "HR"), { recursive: true });
    writeFileSync(join(dir, "set", "HR", "a.png"), encodePng(image(300, 280)));
    const reports = [1, 2].map((threads) => {
      const r = qmc(
        "eval",
        join(dir, "model.wasm"),
        "--dataset",
        join(dir, "set"),
        "--threads",
        String(threads),
        "--tile",
        "64",
        "--json",
      );
      expect(r.status).toBe(0);
      return JSON.parse(r.stdout);
    });
    expect(reports[1]).toEqual(reports[0]);
    expect(reports[0].images[0].tiling.tile).toBe(64);
  }, 60_000);
});

describe("progressBar", () => {
  it("draws on a terminal only once the work has taken longer than a second", () => {
    const terminal = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
    let drawn = "";
    terminal.on("data", (chunk: Buffer) => {
      drawn += chunk.toString();
    });
    const now = vi.spyOn(Date, "now").mockReturnValue(0);
    try {
      const bar = progressBar("tiles", terminal);
      now.mockReturnValue(PROGRESS_DELAY_MS - 1);
      bar.update(1, 9);
      expect(drawn).toBe("");
      now.mockReturnValue(PROGRESS_DELAY_MS + 1);
      bar.update(2, 9);
      bar.stop();
      expect(drawn).toMatch(/ 2\/9 tiles/);
    } finally {
      now.mockRestore();
    }
  });
});
