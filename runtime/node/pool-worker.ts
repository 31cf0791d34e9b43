/** The entry of a runtime/node/pool.ts worker thread. */
import { parentPort } from "node:worker_threads";
import { loadEngine } from "../core/load.js";
import { serveTiles } from "../core/pool.js";
import { evaluateInSandbox } from "./sandbox.js";
import { transpileTypeScript } from "./typescript.js";

if (!parentPort) throw new Error("runtime/node/pool-worker runs as a worker thread of runtime/node/pool.ts");
const port = parentPort;
serveTiles(
  {
    post: (reply, transfer) => port.postMessage(reply, transfer),
    listen: (onRequest) => port.on("message", onRequest),
  },
  (artifact) => loadEngine(artifact, { transpile: transpileTypeScript, evaluate: evaluateInSandbox }),
);
