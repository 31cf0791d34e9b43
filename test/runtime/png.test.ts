import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { readImageFile, writeImageFile } from "../../runtime/node/files.js";
import { decodePng, encodePng } from "../../runtime/node/png.js";

const dir = mkdtempSync(join(tmpdir(), "qmc-png-"));

const pattern = (width: number, height: number, channels: number) => ({
  data: Uint8Array.from({ length: width * height * channels }, (_, i) => (i * 53 + 7) % 256),
  width,
  height,
  channels,
});

/** A PNG written by pngjs itself in a given color type and depth, from RGBA 8-bit pixels. */
function foreignPng(colorType: 0 | 2 | 4 | 6, bitDepth: 8 | 16, rgba: Uint8Array, width: number, height: number) {
  const png = new PNG({ width, height, colorType, bitDepth, inputHasAlpha: true });
  if (bitDepth === 16) {
    const wide = new Uint16Array(rgba.length);
    for (let i = 0; i < rgba.length; i++) wide[i] = rgba[i] * 257;
    png.data = Buffer.from(wide.buffer);
  } else png.data = Buffer.from(rgba);
  return new Uint8Array(PNG.sync.write(png, { colorType, bitDepth, inputHasAlpha: true }));
}

describe("PNG files", () => {
  for (const channels of [1, 3, 4]) {
    it(`${channels}-channel 8-bit round trip is exact`, () => {
      const image = pattern(13, 7, channels);
      const path = join(dir, `rt${channels}.png`);
      writeImageFile(path, image);
      const back = readImageFile(path);
      expect(back.image).toEqual(image);
      expect(back.notes).toEqual([]);
    });
  }
  it("gray + alpha reads as gray, saying the alpha was dropped", () => {
    const rgba = Uint8Array.from([10, 10, 10, 99, 200, 200, 200, 0]);
    const decoded = decodePng(foreignPng(4, 8, rgba, 2, 1));
    expect(decoded.image).toEqual({ data: Uint8Array.from([10, 200]), width: 2, height: 1, channels: 1 });
    expect(decoded.notes).toEqual(["gray + alpha: alpha dropped"]);
  });
  it("16-bit RGB reads as 8-bit, saying so", () => {
    const rgba = Uint8Array.from([1, 2, 3, 255, 250, 251, 252, 255]);
    const decoded = decodePng(foreignPng(2, 16, rgba, 2, 1));
    expect(decoded.image).toEqual({
      data: Uint8Array.from([1, 2, 3, 250, 251, 252]),
      width: 2,
      height: 1,
      channels: 3,
    });
    expect(decoded.notes).toEqual(["16-bit samples converted to 8-bit"]);
  });
  it("encoding is deterministic", () => {
    const image = pattern(9, 9, 3);
    expect(encodePng(image)).toEqual(encodePng(image));
  });
  it("errors name the file", () => {
    expect(() => readImageFile(join(dir, "missing.png"))).toThrow(/missing.png: cannot read \(ENOENT\)/);
    const folder = join(dir, "folder.png");
    mkdirSync(folder);
    expect(() => readImageFile(folder)).toThrow(/folder.png: is a folder, expected a PNG image/);
    const junk = join(dir, "junk.png");
    writeFileSync(junk, "not a png");
    expect(() => readImageFile(junk)).toThrow(/junk.png: not a readable PNG image/);
    expect(() => readImageFile(join(dir, "photo.jpg"))).toThrow(/photo.jpg: only PNG images are supported/);
    expect(() => writeImageFile(join(dir, "no", "such", "dir.png"), pattern(2, 2, 1))).toThrow(
      /dir.png: cannot write \(ENOENT\)/,
    );
  });
});
