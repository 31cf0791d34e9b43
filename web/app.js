// The page's main thread: it picks images, draws, and talks to the worker. Restoring runs in
// worker.js, so the page keeps answering while a large image is tiled.

const $ = (id) => document.getElementById(id);
const ui = {
  model: $("model"),
  sample: $("sample"),
  file: $("file"),
  drop: $("drop"),
  tile: $("tile"),
  overlap: $("overlap"),
  restore: $("restore"),
  progress: $("progress"),
  status: $("status"),
  info: $("model-info"),
  compare: $("compare"),
  before: $("before"),
  after: $("after"),
  slider: $("slider"),
};

/** What the page shows, for people and for the end-to-end test (window.qmcDemo). */
const demo = { state: "starting", model: null, modelId: null, input: null, result: null, progress: [] };
window.qmcDemo = demo;

function setState(state, message) {
  demo.state = state;
  document.body.dataset.state = state;
  if (message !== undefined) ui.status.textContent = message;
  ui.restore.disabled = state === "running" || state === "loading" || !demo.model || !demo.input;
}

const worker = new Worker(new URL("worker.js", import.meta.url), { type: "module" });
let manifest;
let nextJob = 0;

worker.onmessage = ({ data }) => {
  if (data.type === "loaded") {
    demo.model = data.info;
    ui.info.textContent = describeModel(demo.modelId, data.info);
    setState("ready", demo.input ? "Ready." : "Pick a sample, choose a file or drop an image.");
  } else if (data.type === "progress" && data.job === nextJob) {
    demo.progress.push([data.done, data.total]);
    ui.progress.max = data.total;
    ui.progress.value = data.done;
    ui.status.textContent = `Restoring: tile ${data.done} of ${data.total}...`;
  } else if (data.type === "restored" && data.job === nextJob) {
    showResult(data);
  } else if (data.type === "error") {
    setState("error", data.message);
  }
};
worker.onerror = (event) => setState("error", `The worker failed: ${event.message}`);

function describeModel(id, info) {
  const task = { sr: `super-resolution x${info.scale}`, denoise: "denoising", car: "JPEG artifact removal" };
  const colors = info.channels === 1 ? "gray" : "RGB";
  return `${id}: ${task[info.task] ?? info.task}, ${colors}, running on ${info.target}`;
}

function describeTiling(tiling) {
  if (tiling.tile === null) return "whole image in one run";
  const count = tiling.ys.length * tiling.xs.length;
  if (count === 1) return `one tile of ${tiling.tile} px (the whole image)`;
  return `${count} tiles (${tiling.ys.length}x${tiling.xs.length}) of ${tiling.tile} px, overlap ${tiling.overlap}`;
}

function loadModel(id) {
  const entry = manifest.models.find((m) => m.id === id);
  const url = (path) => new URL(path, location.href).href;
  // ?isa=wasm runs the fallback build, as an engine without SIMD would.
  const simd = new URLSearchParams(location.search).get("isa") === "wasm" ? undefined : url(entry.simd);
  demo.model = null;
  demo.modelId = entry.id;
  setState("loading", `Loading ${entry.id}...`);
  worker.postMessage({ type: "load", simd, mvp: url(entry.mvp) });
}

/** Pixels exactly as stored: no color-space conversion, no premultiplied alpha. */
async function decode(blob) {
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext("2d");
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return context.getImageData(0, 0, canvas.width, canvas.height);
}

async function useImage(blob, name) {
  try {
    const pixels = await decode(blob);
    demo.input = { name, width: pixels.width, height: pixels.height, pixels };
    demo.result = null;
    ui.compare.hidden = true;
    ui.progress.value = 0;
    setState(demo.model ? "ready" : demo.state, `${name}: ${pixels.width}x${pixels.height}. Press Restore.`);
  } catch (e) {
    setState("error", `${name}: not an image this browser can decode (${e.message})`);
  }
}

function restore() {
  const { pixels } = demo.input;
  const tile = Number(ui.tile.value) || undefined;
  const overlap = tile === undefined ? undefined : Number(ui.overlap.value);
  const copy = new Uint8ClampedArray(pixels.data);
  demo.progress = [];
  ui.progress.value = 0;
  setState("running", "Restoring...");
  worker.postMessage(
    { type: "restore", job: ++nextJob, width: pixels.width, height: pixels.height, rgba: copy, tile, overlap },
    [copy.buffer],
  );
}

function showResult({ width, height, rgba, ms, tiling }) {
  const input = demo.input.pixels;
  ui.before.width = ui.after.width = width;
  ui.before.height = ui.after.height = height;
  // Small results are shown enlarged (pixelated), so the slider shows what the model changed.
  ui.before.style.width = `${Math.max(width, 640)}px`;
  // The input enlarged to the output's size, pixel for pixel, so the slider compares like with like.
  const source = new OffscreenCanvas(input.width, input.height);
  source.getContext("2d").putImageData(input, 0, 0);
  const before = ui.before.getContext("2d");
  before.imageSmoothingEnabled = false;
  before.drawImage(source, 0, 0, width, height);
  ui.after.getContext("2d").putImageData(new ImageData(rgba, width, height), 0, 0);
  ui.compare.hidden = false;
  demo.result = { width, height, ms, tiling, target: demo.model.target };
  setState(
    "done",
    `${input.width}x${input.height} -> ${width}x${height} in ${ms.toFixed(0)} ms on ${demo.model.target}; ${describeTiling(tiling)}`,
  );
}

ui.slider.addEventListener("input", () => {
  ui.after.style.clipPath = `inset(0 0 0 ${ui.slider.value}%)`;
});
ui.model.addEventListener("change", () => loadModel(ui.model.value));
ui.sample.addEventListener("change", async () => {
  if (!ui.sample.value) return;
  const response = await fetch(ui.sample.value);
  await useImage(await response.blob(), ui.sample.selectedOptions[0].textContent);
});
ui.file.addEventListener("change", () => {
  const file = ui.file.files[0];
  if (file) useImage(file, file.name);
});
ui.drop.addEventListener("dragover", (event) => {
  event.preventDefault();
  ui.drop.classList.add("over");
});
ui.drop.addEventListener("dragleave", () => ui.drop.classList.remove("over"));
ui.drop.addEventListener("drop", (event) => {
  event.preventDefault();
  ui.drop.classList.remove("over");
  const file = event.dataTransfer.files[0];
  if (file) useImage(file, file.name);
});
ui.restore.addEventListener("click", restore);

async function start() {
  try {
    manifest = await (await fetch("manifest.json")).json();
  } catch (e) {
    setState("error", `manifest.json: cannot load the list of models (${e.message})`);
    return;
  }
  for (const m of manifest.models) ui.model.add(new Option(`${m.id} (${m.task})`, m.id));
  for (const s of manifest.samples) ui.sample.add(new Option(s.name, s.url));
  loadModel(manifest.models[0].id);
}

start();
