// Restores images off the page's main thread with the browser-safe runtime (runtime/core, built
// to plain ES modules). One model at a time; progress is posted after every tile.
import { loadBestModel, wasmFeatures } from "./runtime/index.js";

let model;

async function bytesOf(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** RGBA -> gray as PIL's convert("L") (what the gray models were trained on); gray stays exact. */
function luma(rgba) {
  const gray = new Uint8Array(rgba.length / 4);
  for (let i = 0; i < gray.length; i++) {
    const p = i * 4;
    gray[i] = (rgba[p] * 19595 + rgba[p + 1] * 38470 + rgba[p + 2] * 7471 + 0x8000) >>> 16;
  }
  return gray;
}

function toRgba(image) {
  if (image.channels === 4) return new Uint8ClampedArray(image.data.buffer);
  const n = image.width * image.height;
  const rgba = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const v = image.data[i];
    rgba[i * 4] = rgba[i * 4 + 1] = rgba[i * 4 + 2] = v;
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

async function load({ simd, mvp }) {
  model = undefined;
  // SIMD first where the engine has it (loadBestModel also skips a module the engine cannot validate).
  const useSimd = simd !== undefined && wasmFeatures().simd;
  const candidates = useSimd ? [await bytesOf(simd), await bytesOf(mvp)] : [await bytesOf(mvp)];
  model = await loadBestModel(candidates);
  self.postMessage({ type: "loaded", info: model.info });
}

async function restore({ job, width, height, rgba, tile, overlap }) {
  const image =
    model.info.channels === 1
      ? { data: luma(rgba), width, height, channels: 1 }
      : { data: new Uint8Array(rgba.buffer), width, height, channels: 4 };
  const onProgress = (done, total) => self.postMessage({ type: "progress", job, done, total });
  const started = performance.now();
  const restored = await model.restore(image, { tile, overlap, onProgress });
  const ms = performance.now() - started;
  const out = toRgba(restored.image);
  const result = { type: "restored", job, width: restored.image.width, height: restored.image.height, rgba: out };
  self.postMessage({ ...result, ms, tiling: restored.tiling }, [out.buffer]);
}

self.onmessage = async ({ data }) => {
  try {
    if (data.type === "load") await load(data);
    else if (data.type === "restore") await restore(data);
  } catch (e) {
    self.postMessage({ type: "error", message: e?.message ?? String(e) });
  }
};
