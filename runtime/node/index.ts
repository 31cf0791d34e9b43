/** Node-only helpers around the runtime core: PNG files, artifact files and a worker-thread pool. */
export { loadModelFile, readFileBytes, readImageFile, writeImageFile } from "./files.js";
export { type DecodedPng, decodePng, encodePng } from "./png.js";
export { createPool, nodePoolWorker, type PoolOptions, spawnNodeWorker } from "./pool.js";
export { DEFAULT_SCRIPT_TIMEOUT_S, evaluateInSandbox, SCRIPT_TIMEOUT_ENV, sandboxedEvaluator } from "./sandbox.js";
export { transpileTypeScript } from "./typescript.js";
