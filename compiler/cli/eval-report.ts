import type { Image } from "../../runtime/core/image.js";
import { encodePng } from "../../runtime/node/png.js";

export interface Score {
  readonly psnr: number;
  readonly ssim: number;
}

/** Four crops of the same region at the output's size: what a reader compares by eye. */
export interface CropSet {
  readonly input: Image<Uint8Array>;
  readonly output: Image<Uint8Array>;
  readonly groundTruth: Image<Uint8Array>;
  readonly baseline: Image<Uint8Array>;
  /** The region in output pixels: left, top, width, height. */
  readonly region: readonly [number, number, number, number];
}

export interface HtmlReportRow {
  readonly image: string;
  readonly model: Score;
  readonly baseline: Score;
  readonly tiling: string;
  readonly source: string;
  readonly crops: CropSet;
}

export interface HtmlReport {
  readonly title: string;
  /** Label and value pairs shown above the table (model, target, task, dataset, metric...). */
  readonly facts: readonly (readonly [string, string])[];
  readonly baselineLabel: string;
  readonly rows: readonly HtmlReportRow[];
  readonly average: { readonly model: Score; readonly baseline: Score };
}

const CROP_SIDE = 128;

/**
 * The region the report shows: a square of up to 128 output pixels at the image's centre, on
 * whole input pixels (multiples of `scale`) so the input crop lines up with the others.
 */
export function cropRegion(width: number, height: number, scale: number): [number, number, number, number] {
  const side = (n: number) => Math.max(scale, Math.floor(Math.min(CROP_SIDE, n) / scale) * scale);
  const w = side(width);
  const h = side(height);
  const at = (n: number, s: number) => Math.floor((n - s) / 2 / scale) * scale;
  return [at(width, w), at(height, h), w, h];
}

/** A region of an image; with `scale` > 1 the region is read in pixels `scale` times larger (nearest). */
export function crop(
  image: Image<Uint8Array>,
  region: readonly [number, number, number, number],
  scale = 1,
): Image<Uint8Array> {
  const [left, top, width, height] = region;
  const { channels } = image;
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = (Math.floor((top + y) / scale) * image.width + Math.floor((left + x) / scale)) * channels;
      data.set(image.data.subarray(from, from + channels), (y * width + x) * channels);
    }
  }
  return { data, width, height, channels };
}

const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text for HTML element content and quoted attributes: names from models and files reach the page only so. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const dataUri = (image: Image<Uint8Array>) =>
  `data:image/png;base64,${Buffer.from(encodePng(image)).toString("base64")}`;

const number = (s: Score) => `${s.psnr.toFixed(4)} / ${s.ssim.toFixed(4)}`;

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; }
dt { color: #666; }
table { border-collapse: collapse; margin: 16px 0; }
th, td { padding: 4px 12px; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr.average td { font-weight: bold; border-top: 2px solid #888; }
td.better { color: #0a6b2d; }
figure { display: inline-block; margin: 0 12px 12px 0; text-align: center; }
figure img { width: 256px; image-rendering: pixelated; border: 1px solid #ccc; }
section { margin-bottom: 24px; }
`;

/** One page, no external resource (styles inline, images as data: URIs): it opens offline from anywhere. */
export function renderHtmlReport(report: HtmlReport): string {
  const facts = report.facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join("\n");
  const cells = (model: Score, baseline: Score) =>
    `<td class="${model.psnr > baseline.psnr ? "better" : ""}">${number(model)}</td><td>${number(baseline)}</td>`;
  const rows = report.rows
    .map((r) => `<tr><td>${escapeHtml(r.image)}</td>${cells(r.model, r.baseline)}<td>${escapeHtml(r.tiling)}</td></tr>`)
    .join("\n");
  const figures = report.rows
    .map((r) => {
      const [left, top, width, height] = r.crops.region;
      const figure = (label: string, image: Image<Uint8Array>) =>
        `<figure><img alt="${escapeHtml(`${r.image}: ${label}`)}" src="${dataUri(image)}"><figcaption>${escapeHtml(label)}</figcaption></figure>`;
      return [
        `<section><h3>${escapeHtml(r.image)}</h3>`,
        `<p>${width}x${height} output pixels at (${left}, ${top}); input: ${escapeHtml(r.source)}</p>`,
        figure("degraded input", r.crops.input),
        figure(`output (${number(r.model)})`, r.crops.output),
        figure("ground truth", r.crops.groundTruth),
        figure(`${report.baselineLabel} (${number(r.baseline)})`, r.crops.baseline),
        "</section>",
      ].join("\n");
    })
    .join("\n");
  const label = escapeHtml(report.baselineLabel);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(report.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(report.title)}</h1>
<dl>
${facts}
</dl>
<table>
<thead><tr><th>image</th><th>model PSNR / SSIM</th><th>${label} PSNR / SSIM</th><th>tiling</th></tr></thead>
<tbody>
${rows}
<tr class="average"><td>average</td>${cells(report.average.model, report.average.baseline)}<td></td></tr>
</tbody>
</table>
<h2>Crops</h2>
${figures}
</body>
</html>
`;
}
