/** The browser-safe runtime: load any qmc artifact, restore images, measure them. */

export { loadBestModel, wasmFeatures } from "./best.js";
export type { Engine } from "./engine.js";
export { QmcRuntimeError } from "./errors.js";
export { checkImage, fromPlanes, type Image, type PixelData, toByte, toPlanes } from "./image.js";
export { type LoadOptions, loadEngine, loadModel } from "./load.js";
export { ABI_VERSION, type ArtifactMeta, outChannelsOf } from "./meta.js";
export { type MetricOptions, psnr, ssim } from "./metrics.js";
export { type Model, modelFromEngine, type Restored } from "./model.js";
export { createWorkerPool, type PoolWorker, serveTilesInWorker, type WorkerPool, webPoolWorker } from "./pool.js";
export { resizeBicubic } from "./resize.js";
export type { EvaluateScript, Transpile } from "./script-artifact.js";
export { planTiling, runTiled, type TileOptions, type Tiling } from "./tile.js";
