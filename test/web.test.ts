import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Image, toByte } from "../runtime/core/image.js";
import { loadModel } from "../runtime/core/load.js";
import { resizeBicubic } from "../runtime/core/resize.js";
import type { Tiling } from "../runtime/core/tile.js";
import { readImageFile } from "../runtime/node/files.js";
import { encodePng } from "../runtime/node/png.js";
import { buildWeb } from "../scripts/web-build.js";
import { serveStatic } from "../scripts/web-serve.js";

/** Debian's Chromium (.ci/run installs it); playwright-core drives it, no browser download. */
const CHROMIUM = process.env.QMC_CHROMIUM ?? "/usr/bin/chromium";
const ROOT = join(import.meta.dirname, "..");
/** Screenshots are kept with the test output for a person to look at. */
const SHOTS = join(ROOT, "out", "test-web");
const MODEL = "qmambair-tiny-sr2-w4a4";
const CAT = join(ROOT, "samples", "images", "cat-128x96.png");

interface ShownResult {
  readonly width: number;
  readonly height: number;
  readonly ms: number;
  readonly tiling: Tiling;
  readonly target: string;
}

// Page-side expressions, as text: the tests' TypeScript has no DOM types.
const STATE = "document.body.dataset.state";
const CAN_RESTORE = '!document.getElementById("restore").disabled';
const SHOWN = `(() => {
  const canvas = document.getElementById("after");
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  return { result: window.qmcDemo.result, rgba: Array.from(data), status: document.getElementById("status").textContent };
})()`;
const RESULT = "({ result: window.qmcDemo.result, status: document.getElementById('status').textContent })";
/** Drops a bundled sample on the drop zone as a file, as a person dragging it from their desktop would. */
const DROP_FLOWER = `(async () => {
  const blob = await (await fetch("samples/flower-96x96.png")).blob();
  const files = new DataTransfer();
  files.items.add(new File([blob], "dropped.png", { type: "image/png" }));
  document.getElementById("drop").dispatchEvent(new DragEvent("drop", { dataTransfer: files, bubbles: true, cancelable: true }));
})()`;
const POLL = "({ state: window.qmcDemo.state, done: window.qmcDemo.progress.length })";
const PROGRESS_BAR = '[document.getElementById("progress").value, document.getElementById("progress").max]';

let site: string;
let server: Server;
let browser: Browser;
let url: string;

/** Opens the page and waits for the model; every page error or console error fails the test. */
async function openPage(query = ""): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  await page.goto(`${url}${query}`);
  await page.waitForFunction(`${STATE} === "ready"`, undefined, { timeout: 60_000 });
  return { page, errors };
}

async function restoreShown(page: Page, tile: string, overlap: string): Promise<void> {
  await page.selectOption("#tile", tile);
  await page.fill("#overlap", overlap);
  await page.click("#restore");
}

/** The restored pixels as the page shows them (the #after canvas, RGBA) and what it says about them. */
async function shown(page: Page): Promise<{ result: ShownResult; rgba: Uint8Array; status: string }> {
  const { result, rgba, status } = await page.evaluate<{ result: ShownResult; rgba: number[]; status: string }>(SHOWN);
  return { result, rgba: Uint8Array.from(rgba), status };
}

/** Pixels whose color differs between the page's RGBA and the Node runtime's image. */
function differingPixels(rgba: Uint8Array, image: Image): number {
  let count = 0;
  for (let i = 0; i < image.width * image.height; i++) {
    for (let c = 0; c < 3; c++) {
      if (rgba[i * 4 + c] !== image.data[i * image.channels + c]) {
        count++;
        break;
      }
    }
  }
  return count;
}

async function nodeRestore(isa: "simd" | "mvp", input: Image, tile: number, overlap: number) {
  const model = await loadModel(readFileSync(join(site, "models", MODEL, `${isa}.wasm`)));
  return model.restore(input, { tile, overlap });
}

describe("the package's exports", () => {
  it("`qmc` is the browser-safe runtime core as an ES module; `qmc/node` adds the Node helpers", () => {
    const script = `console.log(JSON.stringify([import.meta.resolve("qmc"), Object.keys(await import("qmc")), Object.keys(await import("qmc/node"))]))`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8" });
    const [resolved, core, node] = JSON.parse(r.stdout);
    expect(resolved).toBe(pathToFileURL(join(ROOT, "dist", "runtime", "core", "index.js")).href);
    expect(core).toEqual(expect.arrayContaining(["loadModel", "loadBestModel", "planTiling", "wasmFeatures"]));
    expect(node).toEqual(expect.arrayContaining(["loadModelFile", "readImageFile"]));
  });
});

describe("the web page in Chromium (playwright-core)", () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM}: no Chromium (apt-get install chromium; or set QMC_CHROMIUM)`);
    site = buildWeb({ out: mkdtempSync(join(tmpdir(), "qmc-web-")), models: [MODEL] });
    server = await serveStatic(site, { port: 0 });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    mkdirSync(SHOTS, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
    if (site) rmSync(site, { recursive: true, force: true });
  });

  it("restores a bundled sample on wasm-simd, pixel for pixel as the Node runtime does with the same tiling", async () => {
    const { page, errors } = await openPage();
    await page.selectOption("#sample", "samples/cat-128x96.png");
    await page.waitForFunction(CAN_RESTORE);
    await restoreShown(page, "64", "8");
    await page.waitForFunction(`${STATE} === "done"`, undefined, { timeout: 120_000 });
    const { result, rgba, status } = await shown(page);
    const expected = await nodeRestore("simd", readImageFile(CAT).image, 64, 8);
    expect(result.target).toBe("wasm-simd");
    expect(result.tiling).toEqual(expected.tiling);
    expect([result.width, result.height]).toEqual([256, 192]);
    expect(differingPixels(rgba, expected.image)).toBe(0);
    expect(status).toMatch(/^128x96 -> 256x192 in \d+ ms on wasm-simd; 6 tiles \(2x3\) of 64 px, overlap 8$/);
    await page.fill("#slider", "30");
    await page.screenshot({ path: join(SHOTS, "sample-cat.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("falls back to the plain wasm build (?isa=wasm), refuses a file that is no image, restores a dropped one", async () => {
    const { page, errors } = await openPage("?isa=wasm");
    const notAnImage = join(mkdtempSync(join(tmpdir(), "qmc-web-upload-")), "notes.png");
    writeFileSync(notAnImage, "just notes");
    await page.setInputFiles("#file", notAnImage);
    await page.waitForFunction(`${STATE} === "error"`);
    expect(await page.textContent("#status")).toMatch(/^notes.png: not an image this browser can decode/);
    await page.evaluate(DROP_FLOWER);
    await page.waitForFunction("window.qmcDemo.input?.name === 'dropped.png'");
    await page.waitForFunction(CAN_RESTORE);
    await restoreShown(page, "0", "0");
    await page.waitForFunction(`${STATE} === "done"`, undefined, { timeout: 120_000 });
    const { result, rgba } = await shown(page);
    const model = await loadModel(readFileSync(join(site, "models", MODEL, "simd.wasm")));
    const expected = await model.restore(readImageFile(join(ROOT, "samples", "images", "flower-96x96.png")).image);
    expect(result.target).toBe("wasm");
    expect(result.tiling.tile).toBeNull();
    expect(differingPixels(rgba, expected.image)).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a 512x512 upload: tiled with progress, and the main thread answers while it runs", async () => {
    const cat = readImageFile(CAT).image;
    const big = resizeBicubic(cat, 512, 512);
    const file = join(mkdtempSync(join(tmpdir(), "qmc-web-upload-")), "big-512.png");
    writeFileSync(file, encodePng({ ...big, data: Uint8Array.from(big.data, toByte) }));
    const { page, errors } = await openPage();
    await page.setInputFiles("#file", file);
    await page.waitForFunction(CAN_RESTORE);
    await restoreShown(page, "128", "16");
    const answers: { ms: number; done: number }[] = [];
    for (;;) {
      const asked = performance.now();
      const { state, done } = await page.evaluate<{ state: string; done: number }>(POLL);
      if (state !== "running") break;
      answers.push({ ms: performance.now() - asked, done });
      await new Promise((wake) => setTimeout(wake, 100));
    }
    expect(await page.evaluate(STATE)).toBe("done");
    const { result, status } = await page.evaluate<{ result: ShownResult; status: string }>(RESULT);
    expect([result.width, result.height]).toEqual([1024, 1024]);
    expect(result.tiling.ys.length * result.tiling.xs.length).toBe(25);
    // The page answered many times during the restore, each promptly, and saw the tiles advance.
    expect(answers.length).toBeGreaterThanOrEqual(5);
    // 2 s bounds a loaded CI machine's round trip; a restore on the main thread would block one for the whole run.
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(2000);
    expect(new Set(answers.map((a) => a.done)).size).toBeGreaterThanOrEqual(3);
    expect(await page.evaluate(PROGRESS_BAR)).toEqual([25, 25]);
    expect(status).toMatch(/512x512 -> 1024x1024 in \d+ ms on wasm-simd; 25 tiles \(5x5\) of 128 px, overlap 16/);
    await page.screenshot({ path: join(SHOTS, "upload-512.png") });
    expect(errors).toEqual([]);
    await page.close();
  });
});
