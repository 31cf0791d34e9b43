import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readImageFile } from "../../runtime/node/files.js";
import { qmc, STACK_LINE } from "../support/cli.js";
import { jsArtifact, tsArtifact, wasmArtifact } from "./support/artifacts.js";

const dir = mkdtempSync(join(tmpdir(), "qmc-run-"));
const write = (name: string, content: Uint8Array | string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const set5 = join(import.meta.dirname, "..", "..", "..", "shared", "datasets", "Set5");
const bird = join(set5, "LRbicx4", "bird.png");
const x4 = write("x4.js", jsArtifact(4, 3));
const x2 = write("x2.ts", tsArtifact(2, 3));
const identity = write("identity.wasm", wasmArtifact());

describe("qmc run", () => {
  it("restores a PNG with a js artifact, tiled, and reports the tiling", () => {
    const out = join(dir, "bird-x4.png");
    const r = qmc("run", x4, bird, "-o", out, "--tile", "32", "--overlap", "8", "--json");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).tiling).toEqual({
      tile: 32,
      size: [32, 32],
      overlap: 8,
      ys: [0, 24, 40],
      xs: [0, 24, 40],
    });
    const lr = readImageFile(bird).image;
    const sr = readImageFile(out).image;
    expect([sr.width, sr.height, sr.channels]).toEqual([288, 288, 3]);
    // Nearest-neighbour x4: output pixel (x, y) is input pixel (x >> 2, y >> 2).
    for (const [x, y] of [
      [0, 0],
      [287, 287],
      [130, 17],
    ]) {
      const o = (y * 288 + x) * 3;
      const i = ((y >> 2) * 72 + (x >> 2)) * 3;
      expect(Array.from(sr.data.subarray(o, o + 3))).toEqual(Array.from(lr.data.subarray(i, i + 3)));
    }
  });
  it("restores with ts and wasm artifacts", () => {
    expect(qmc("run", x2, bird, "-o", join(dir, "x2.png")).stdout).toMatch(
      /x2.png: 144x144 from 72x72 \(x2\), whole image/,
    );
    const out = join(dir, "same.png");
    expect(qmc("run", identity, bird, "-o", out).status).toBe(0);
    expect(readImageFile(out).image).toEqual(readImageFile(bird).image);
  });
  it("bad input: one line naming the thing, exit code 2", () => {
    const cases: [string[], RegExp][] = [
      [["run", x4, join(dir, "nope.png"), "-o", join(dir, "o.png")], /nope.png: cannot read \(ENOENT\)/],
      [["run", write("notes.js", "just notes"), bird, "-o", join(dir, "o.png")], /notes.js: not a qmc artifact/],
      [["run", x4, bird, "-o", join(dir, "o.png"), "--overlap", "4"], /--overlap needs --tile/],
      [["run", x4, bird, "-o", join(dir, "o.png"), "--tile", "8", "--overlap", "8"], /overlap 8 must be an integer/],
      [["run", x4, bird, "-o", join(dir, "o.jpg")], /o.jpg: only PNG images are supported/],
    ];
    for (const [args, message] of cases) {
      const r = qmc(...args);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(STACK_LINE);
      expect(r.status).toBe(2);
    }
  });
});

describe("qmc eval", () => {
  it("Set5 x4: per-image and average PSNR/SSIM, with the dataset's bicubic baseline", () => {
    const report = join(dir, "report.json");
    const r = qmc("eval", x4, "--dataset", set5, "--scale", "4", "--report", report);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^average\s+[\d.]+ \/ [\d.]+\s+28\.3982 \/ 0\.8115$/m);
    const json = JSON.parse(readFileSync(report, "utf8"));
    expect(json.images.map((row: { image: string }) => row.image)).toEqual([
      "baby",
      "bird",
      "butterfly",
      "head",
      "woman",
    ]);
    // The bicubic baseline reproduces BasicSR's numbers (REFERENCE_METRICS.json: 28.3982 dB / 0.8115).
    expect(json.average.bicubic.psnr).toBeCloseTo(28.3982, 4);
    expect(json.average.bicubic.ssim).toBeCloseTo(0.8115, 4);
    expect(json.average.model.psnr).toBeLessThan(json.average.bicubic.psnr);
  });
  it("refuses a model of another scale", () => {
    const r = qmc("eval", x2, "--dataset", set5, "--scale", "4");
    expect(r.stderr).toMatch(/x2.ts upscales x2, --scale is 4/);
    expect(r.status).toBe(2);
  });
});
