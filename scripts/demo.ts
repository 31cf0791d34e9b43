// `npm run demo`: compiles the bundled sample SR model to one ES5 artifact and restores the images in
// samples/images with it. Each image is taken as the high-resolution truth, shrunk x2 with MATLAB's
// bicubic (as SR benchmarks do), then enlarged back by bicubic and by the model; outputs, the
// artifact and a results table land in out/demo/.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { targetNamed } from "../compiler/cli/compile-model.js";
import { planModelFile } from "../compiler/cli/load-plan.js";
import { type Image, loadModel, psnr, resizeBicubic, ssim, toByte } from "../runtime/core/index.js";
import { readImageFile, writeImageFile } from "../runtime/node/files.js";

const root = join(import.meta.dirname, "..");
// The quantized SR sample by default; its FP32 parent where the quantized one is not bundled.
const candidates = process.env.QMC_DEMO_MODEL
  ? [process.env.QMC_DEMO_MODEL]
  : ["qmambair-tiny-sr2-w4a4", "qmambair-tiny-sr2-fp32"];
const modelName = candidates.find((m) => existsSync(join(root, "samples", "models", m, "model.onnx")));
if (!modelName) {
  console.error(`demo: none of ${candidates.join(", ")} is in samples/models`);
  process.exit(2);
}
const modelFile = join(root, "samples", "models", modelName, "model.onnx");
const imageDir = join(root, "samples", "images");
const out = join(root, "out", "demo");
mkdirSync(out, { recursive: true });

const bytes = (img: Image<Float32Array>): Image<Uint8Array> => ({ ...img, data: Uint8Array.from(img.data, toByte) });

const t0 = performance.now();
const { plan } = planModelFile(modelFile);
const artifact = targetNamed("js").emit(plan) as string;
const artifactFile = join(out, `${modelName}.js`);
writeFileSync(artifactFile, artifact);
const compileMs = performance.now() - t0;
console.log(
  `compiled ${modelName}: ${plan.kernels.length} kernels -> ${artifactFile} (${artifact.length.toLocaleString("en-US")} bytes, ${compileMs.toFixed(0)} ms)`,
);

const model = await loadModel(artifact);
const scale = model.info.scale;
const rows: string[] = [];
for (const file of readdirSync(imageDir)
  .filter((f) => f.endsWith(".png"))
  .sort()) {
  const name = basename(file, ".png");
  const full = readImageFile(join(imageDir, file)).image;
  if ((full.channels === 1) !== (model.info.channels === 1)) {
    console.log(
      `| ${name} | skipped: ${full.channels === 1 ? "gray" : "color"} image, ${model.info.channels}-channel model |`,
    );
    continue;
  }
  const w = full.width - (full.width % scale);
  const h = full.height - (full.height % scale);
  const hr = crop(full, w, h);
  const lr = bytes(resizeBicubic(hr, w / scale, h / scale));
  const bicubic = bytes(resizeBicubic(lr, w, h));
  const started = performance.now();
  const restored = (await model.restore(lr)).image;
  const ms = performance.now() - started;
  writeImageFile(join(out, `${name}_lr.png`), lr);
  writeImageFile(join(out, `${name}_bicubic.png`), bicubic);
  writeImageFile(join(out, `${name}_x${scale}.png`), restored);
  const m = { crop: scale, y: true };
  const row = `| ${name} | ${lr.width}x${lr.height} | ${psnr(bicubic, hr, m).toFixed(2)} / ${ssim(bicubic, hr, m).toFixed(4)} | ${psnr(restored, hr, m).toFixed(2)} / ${ssim(restored, hr, m).toFixed(4)} | ${ms.toFixed(0)} |`;
  rows.push(row);
  console.log(row);
}
const table = [
  `# qmc demo: ${modelName}, js artifact, x${scale}`,
  "",
  `Compiled in ${compileMs.toFixed(0)} ms to ${artifact.length.toLocaleString("en-US")} bytes. PSNR (dB) / SSIM on Y, border ${scale} cropped; time is one whole-image restore on Node ${process.version}.`,
  "",
  "| image | input | bicubic | model | ms |",
  "|---|---|---|---|---|",
  ...rows,
  "",
].join("\n");
writeFileSync(join(out, "results.md"), table);
console.log(`\nwrote ${join(out, "results.md")} and the images beside it`);

function crop(img: Image<Uint8Array>, w: number, h: number): Image<Uint8Array> {
  const c = img.channels;
  const data = new Uint8Array(w * h * c);
  for (let y = 0; y < h; y++) data.set(img.data.subarray(y * img.width * c, (y * img.width + w) * c), y * w * c);
  return { data, width: w, height: h, channels: c };
}
