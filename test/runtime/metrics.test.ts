import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { psnr, ssim } from "../../runtime/core/metrics.js";
import { readImageFile } from "../../runtime/node/files.js";

const DATASETS = join(import.meta.dirname, "..", "..", "..", "shared", "datasets");

interface Entry {
  readonly label: string;
  readonly crop_border: number;
  readonly test_y_channel: boolean;
  readonly psnr: number;
  readonly ssim: number;
}
interface Pair extends Entry {
  readonly gt: string;
  readonly restored: string;
}
const reference = JSON.parse(readFileSync(join(DATASETS, "REFERENCE_METRICS.json"), "utf8")) as {
  averages: (Entry & { n: number })[];
  pairs: Pair[];
};

const measure = (pair: Pair) => {
  const gt = readImageFile(join(DATASETS, pair.gt)).image;
  const restored = readImageFile(join(DATASETS, pair.restored)).image;
  const options = { crop: pair.crop_border, y: pair.test_y_channel };
  return { psnr: psnr(gt, restored, options), ssim: ssim(gt, restored, options) };
};
const describePair = (p: Pair) => `${p.restored} vs ${p.gt}, crop ${p.crop_border}, ${p.test_y_channel ? "Y" : "RGB"}`;

describe("PSNR / SSIM reproduce BasicSR 1.4.2 (shared/datasets/REFERENCE_METRICS.json)", () => {
  const measured = new Map(reference.pairs.map((p) => [p, measure(p)]));

  // The reference prints 6 decimals: agreement within rounding (5e-7) plus float noise.
  for (const pair of reference.pairs) {
    it(describePair(pair), () => {
      const m = measured.get(pair);
      expect(Math.abs((m?.psnr ?? 0) - pair.psnr)).toBeLessThan(1e-6);
      expect(Math.abs((m?.ssim ?? 0) - pair.ssim)).toBeLessThan(1e-6);
    });
  }

  // The averages print 4 decimals (28.3982 dB / 0.8115 for Set5 x4 bicubic on Y, crop 4).
  for (const avg of reference.averages) {
    it(`average: ${avg.label}, crop ${avg.crop_border}, ${avg.test_y_channel ? "Y" : "RGB"}`, () => {
      const rows = reference.pairs.filter(
        (p) => p.label === avg.label && p.crop_border === avg.crop_border && p.test_y_channel === avg.test_y_channel,
      );
      expect(rows.length).toBe(avg.n);
      const mean = (key: "psnr" | "ssim") => rows.reduce((s, p) => s + (measured.get(p)?.[key] ?? 0), 0) / rows.length;
      expect(Math.abs(mean("psnr") - avg.psnr)).toBeLessThanOrEqual(1e-4);
      expect(Math.abs(mean("ssim") - avg.ssim)).toBeLessThanOrEqual(1e-4);
    });
  }
});

describe("metric edge cases", () => {
  const gray = (f: (i: number) => number) => ({
    data: Uint8Array.from({ length: 24 * 20 }, (_, i) => f(i)),
    width: 24,
    height: 20,
    channels: 1,
  });
  it("identical images: infinite PSNR, SSIM 1", () => {
    const a = gray((i) => (i * 37) % 256);
    expect(psnr(a, a, { crop: 2, y: true })).toBe(Number.POSITIVE_INFINITY);
    expect(ssim(a, a, { crop: 2, y: false })).toBeCloseTo(1, 12);
  });
  it("a constant error of 1 gives 10 log10(255^2) dB", () => {
    const a = gray((i) => i % 200);
    const b = gray((i) => (i % 200) + 1);
    expect(psnr(a, b, { crop: 0, y: false })).toBeCloseTo(10 * Math.log10(255 * 255), 10);
  });
  it("refuses mismatched sizes, float data, too large a crop", () => {
    const a = gray((i) => i % 256);
    expect(() => psnr(a, { ...a, width: 20, data: new Uint8Array(400) }, { crop: 0, y: true })).toThrow(
      /images differ in size: 24x20 and 20x20/,
    );
    expect(() => psnr(a, { ...a, data: new Float32Array(480) }, { crop: 0, y: true })).toThrow(/8-bit images/);
    expect(() => psnr(a, a, { crop: 10, y: true })).toThrow(/cannot crop 10 border pixels from a 24x20 image/);
    expect(() => ssim(a, a, { crop: 5, y: true })).toThrow(
      /SSIM needs at least 11x11 pixels after cropping, got 14x10/,
    );
  });
});
