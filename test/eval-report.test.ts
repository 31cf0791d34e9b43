import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { crop, cropRegion, escapeHtml } from "../compiler/cli/eval-report.js";
import { jsArtifact } from "./runtime/support/artifacts.js";
import { qmc } from "./support/cli.js";

/** Debian's Chromium (.ci/run installs it); playwright-core drives it, no browser download. */
const CHROMIUM = process.env.QMC_CHROMIUM ?? "/usr/bin/chromium";
const SHOTS = join(import.meta.dirname, "..", "out", "test-web");
const set5 = join(import.meta.dirname, "..", "..", "shared", "datasets", "Set5");
const dir = mkdtempSync(join(tmpdir(), "qmc-eval-report-"));
const write = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

// Page-side expressions, as text: the tests' TypeScript has no DOM types.
const PAGE_FACTS = `({
  rows: Array.from(document.querySelectorAll("tbody tr"), (tr) => tr.cells[0].textContent),
  images: Array.from(document.images, (img) => ({ complete: img.complete, width: img.naturalWidth, alt: img.alt })),
})`;

describe("eval report crops", () => {
  it("a centred square of up to 128 output pixels, on whole input pixels", () => {
    expect(cropRegion(512, 384, 2)).toEqual([192, 128, 128, 128]);
    expect(cropRegion(100, 60, 4)).toEqual([0, 0, 100, 60]);
    expect(cropRegion(101, 61, 4)).toEqual([0, 0, 100, 60]);
    const image = { data: Uint8Array.from([1, 2, 3, 4]), width: 2, height: 2, channels: 1 };
    expect(Array.from(crop(image, [0, 0, 4, 4], 2).data)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    expect(Array.from(crop(image, [1, 0, 1, 2]).data)).toEqual([2, 4]);
  });
  it("escapes what reaches the page", () => {
    expect(escapeHtml(`<img src=x onerror="a('&')">`)).toBe("&lt;img src=x onerror=&quot;a(&#39;&amp;&#39;)&quot;&gt;");
  });
});

describe("qmc eval --report FILE.html in Chromium", () => {
  it("one self-contained page: the table and every crop load offline", async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM}: no Chromium (apt-get install chromium; or set QMC_CHROMIUM)`);
    const x2 = write("x2.js", jsArtifact(2, 3));
    const report = join(dir, "set5-x2.html");
    const r = qmc("eval", x2, "--dataset", set5, "--scale", "2", "--report", report);
    expect(r.status).toBe(0);
    const html = readFileSync(report, "utf8");
    // Nothing is fetched from anywhere: no src or href but data: URIs.
    expect(html.match(/(?:src|href)="(?!data:)[^"]*"/g)).toBeNull();
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const requests: string[] = [];
      page.on("request", (request) => requests.push(request.url()));
      await page.goto(pathToFileURL(report).href);
      const facts = await page.evaluate<{
        rows: string[];
        images: { complete: boolean; width: number; alt: string }[];
      }>(PAGE_FACTS);
      expect(facts.rows).toEqual(["baby", "bird", "butterfly", "head", "woman", "average"]);
      expect(facts.images).toHaveLength(20);
      for (const image of facts.images) expect(image).toMatchObject({ complete: true, width: 128 });
      expect(facts.images.slice(0, 4).map((i) => i.alt)).toEqual([
        "baby: degraded input",
        "baby: output (34.0313 / 0.9269)",
        "baby: ground truth",
        "baby: bicubic (37.0041 / 0.9521)",
      ]);
      expect(requests.filter((url) => !url.startsWith("data:"))).toEqual([pathToFileURL(report).href]);
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, "eval-report.png"), fullPage: true });
    } finally {
      await browser.close();
    }
  });

  it("image names from the dataset reach the page escaped", () => {
    const dataset = join(dir, "hostile");
    mkdirSync(join(dataset, "HR"), { recursive: true });
    copyFileSync(join(set5, "HR", "bird.png"), join(dataset, "HR", "<b>bird&co.png"));
    const report = join(dir, "hostile.html");
    const gray = write("gray.js", jsArtifact(1, 1));
    expect(qmc("eval", gray, "--dataset", dataset, "--task", "car", "--report", report).status).toBe(0);
    const html = readFileSync(report, "utf8");
    expect(html).toContain("&lt;b&gt;bird&amp;co");
    expect(html).not.toContain("<b>bird");
  });
});
