import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { addGaussianNoise, toGray } from "../runtime/node/degrade.js";
import { jpegRoundTrip } from "../runtime/node/jpeg.js";
import { jsArtifact } from "./runtime/support/artifacts.js";
import { qmc, STACK_LINE } from "./support/cli.js";

const set5 = join(import.meta.dirname, "..", "..", "shared", "datasets", "Set5");
const dir = mkdtempSync(join(tmpdir(), "qmc-eval-tasks-"));
const write = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
// Nearest-neighbour x2 and identities: the degradations and baselines are what is measured here.
const x2 = write("x2.js", jsArtifact(2, 3));
const rgbIdentity = write("rgb.js", jsArtifact(1, 3));
const grayIdentity = write("gray.js", jsArtifact(1, 1));

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

interface Averages {
  readonly [baseline: string]: { psnr: number; ssim: number };
}

function evalJson(...args: string[]): { average: Averages; task: string; images: unknown[] } {
  const r = qmc("eval", ...args, "--json");
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

describe("degradations", () => {
  it("JPEG: PIL's (libjpeg's) gray round trip byte for byte, partial blocks included", () => {
    const [width, height] = [45, 37];
    const data = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) data[y * width + x] = (x * x * 7 + y * 13 + x * y * 3 + ((x ^ y) & 15) * 9) & 255;
    }
    const image = { data, width, height, channels: 1 };
    // sha256 of np.asarray(Image.open(buf)) after Image.fromarray(a).save(buf, "JPEG", quality=q), Pillow 12.3.
    expect(sha256(jpegRoundTrip(image, 10).data)).toBe(
      "105a3d89d3daa3e59e0142d8ef2ab0f9e291429c186a03080d3e0fe54436d5fd",
    );
    expect(sha256(jpegRoundTrip(image, 50).data)).toBe(
      "c50925cb7e134aa871f064b352a89f4b5810c36fc540e9cf9393af47b4fb2abe",
    );
    expect(() => jpegRoundTrip(image, 0)).toThrow(/JPEG quality 0 is not an integer from 1 to 100/);
    expect(() => jpegRoundTrip({ ...image, data: new Uint8Array(width * height * 3), channels: 3 }, 10)).toThrow(
      /JPEG degradation takes gray images/,
    );
  });

  it("gray as PIL's convert('L')", () => {
    const rgb = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 12, 200, 99, 255, 255, 255]);
    expect(Array.from(toGray({ data: rgb, width: 5, height: 1, channels: 3 }).data)).toEqual([76, 150, 29, 132, 255]);
  });

  it("Gaussian noise: seeded, of the asked strength, clipped to [0, 1], not rounded", () => {
    const flat = { data: new Uint8Array(128 * 128).fill(128), width: 128, height: 128, channels: 1 };
    const a = addGaussianNoise(flat, 25, 7);
    expect(addGaussianNoise(flat, 25, 7).data).toEqual(a.data);
    expect(addGaussianNoise(flat, 25, 8).data).not.toEqual(a.data);
    const levels = Array.from(a.data, (v) => v * 255 - 128);
    const mean = levels.reduce((s, v) => s + v, 0) / levels.length;
    const std = Math.sqrt(levels.reduce((s, v) => s + (v - mean) ** 2, 0) / levels.length);
    expect(Math.abs(mean)).toBeLessThan(0.5);
    expect(std).toBeGreaterThan(24.5);
    expect(std).toBeLessThan(25.5);
    expect(a.data.some((v) => !Number.isInteger(v * 255))).toBe(true);
    const white = addGaussianNoise({ ...flat, data: new Uint8Array(128 * 128).fill(255) }, 25, 1);
    expect(Math.max(...white.data)).toBe(1);
    expect(() => addGaussianNoise(flat, -1, 0)).toThrow(/sigma -1/);
  });
});

describe("qmc eval: the three tasks", () => {
  it("JPEG artifact removal on Set5: gray quality-10 input as the exporter made it", () => {
    const report = evalJson(grayIdentity, "--dataset", set5, "--task", "car");
    expect(report.task).toBe("car");
    // The sample cards' JPEG baseline (PIL, exporter/export.py): Set5 28.97 / 0.8114.
    expect(report.average.jpeg.psnr).toBeCloseTo(28.972, 3);
    expect(report.average.jpeg.ssim).toBeCloseTo(0.8114, 4);
    expect(report.average.model).toEqual(report.average.jpeg);
  });

  it("denoising on Set5: seeded sigma-25 noise, model input kept in float", () => {
    const report = evalJson(rgbIdentity, "--dataset", set5, "--sigma", "25", "--seed", "3");
    expect(report.task).toBe("denoise");
    expect(report.average.noisy.psnr).toBeGreaterThan(25.2);
    expect(report.average.noisy.psnr).toBeLessThan(25.7);
    expect(report.average.model).toEqual(report.average.noisy);
    const weaker = evalJson(rgbIdentity, "--dataset", set5, "--sigma", "10");
    expect(weaker.average.noisy.psnr).toBeGreaterThan(report.average.noisy.psnr + 6);
  });

  it("super-resolution from HR alone: LR made with MATLAB-style bicubic, as the dataset's own", () => {
    const hrOnly = join(dir, "hr-only");
    mkdirSync(join(hrOnly, "HR"), { recursive: true });
    for (const name of ["baby.png", "bird.png", "butterfly.png", "head.png", "woman.png"]) {
      copyFileSync(join(set5, "HR", name), join(hrOnly, "HR", name));
    }
    const made = evalJson(x2, "--dataset", hrOnly);
    const shipped = evalJson(x2, "--dataset", set5, "--scale", "2");
    expect(made.task).toBe("sr");
    expect(made.average.bicubic.psnr).toBeCloseTo(shipped.average.bicubic.psnr, 1);
    expect(made.average.model.psnr).toBeCloseTo(shipped.average.model.psnr, 1);
  });

  it("bad task options: one line naming the option, exit 2", () => {
    const cases: [string[], RegExp][] = [
      [[grayIdentity, "--dataset", set5, "--task", "deblur"], /--task deblur: expected one of sr, denoise, car/],
      [[grayIdentity, "--dataset", set5, "--task", "sr"], /does not upscale: --task sr needs a scale > 1/],
      [[x2, "--dataset", set5, "--task", "car"], /upscales x2: --task car needs a model that keeps the size/],
      [[grayIdentity, "--dataset", set5, "--quality", "0"], /--quality 0 is not an integer from 1 to 100/],
      [[rgbIdentity, "--dataset", set5, "--task", "car"], /JPEG degradation takes gray images/],
      [[rgbIdentity, "--dataset", join(dir, "nowhere")], /nowhere\/HR: no such folder/],
    ];
    for (const [args, message] of cases) {
      const r = qmc("eval", ...args);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(STACK_LINE);
      expect(r.status).toBe(2);
    }
  });

  it("the JSON report names the baseline", () => {
    const path = join(dir, "car.json");
    expect(qmc("eval", grayIdentity, "--dataset", set5, "--task", "car", "--report", path).status).toBe(0);
    const json = JSON.parse(readFileSync(path, "utf8"));
    expect(json.baseline).toBe("JPEG input");
    expect(Object.keys(json.images[0])).toEqual(["image", "model", "jpeg", "tiling"]);
  });
});
