import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { toByte } from "../../runtime/core/image.js";
import { resizeBicubic } from "../../runtime/core/resize.js";
import { readImageFile } from "../../runtime/node/files.js";

const set5 = join(import.meta.dirname, "..", "..", "..", "shared", "datasets", "Set5");

/** The datasets' LR images were made with MATLAB's imresize: ours must reproduce them. */
describe.runIf(existsSync(set5))("bicubic resize reproduces MATLAB's imresize", () => {
  it.each([
    ["baby", 2],
    ["bird", 2],
    ["woman", 4],
    ["head", 4],
  ] as const)("%s x%i", (name, scale) => {
    const hr = readImageFile(join(set5, "HR", `${name}.png`)).image;
    const lr = readImageFile(join(set5, `LRbicx${scale}`, `${name}.png`)).image;
    const ours = resizeBicubic(hr, hr.width / scale, hr.height / scale);
    expect([ours.width, ours.height]).toEqual([lr.width, lr.height]);
    let same = 0;
    let worst = 0;
    for (let i = 0; i < lr.data.length; i++) {
      const d = Math.abs(toByte(ours.data[i]) - lr.data[i]);
      if (d === 0) same++;
      worst = Math.max(worst, d);
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(same / lr.data.length).toBeGreaterThan(0.99);
  });
});
