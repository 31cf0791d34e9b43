import { describe, expect, it } from "vitest";
import { modelFromEngine } from "../../runtime/core/model.js";
import { planTiling, runTiled } from "../../runtime/core/tile.js";
import { fakeEngine } from "./support/artifacts.js";

/** A deterministic, non-trivial float32 image (C x h x w planes). */
function planes(channels: number, h: number, w: number): Float32Array {
  return Float32Array.from({ length: channels * h * w }, (_, i) => ((i * 7919) % 1000) / 999);
}

describe("planTiling (SwinIR's test(): range(0, n - tile, stride) + [n - tile])", () => {
  it("no tile: one whole-image run", () => {
    expect(planTiling(50, 70)).toEqual({ tile: null, size: [50, 70], overlap: 0, ys: [0], xs: [0] });
  });
  it("overlapping tiles, the last flush with the border", () => {
    expect(planTiling(100, 130, 48, 8)).toEqual({
      tile: 48,
      size: [48, 48],
      overlap: 8,
      ys: [0, 40, 52],
      xs: [0, 40, 80, 82],
    });
  });
  it("an exact fit adds no extra tile", () => {
    expect(planTiling(96, 96, 48, 0)).toEqual({ tile: 48, size: [48, 48], overlap: 0, ys: [0, 48], xs: [0, 48] });
  });
  it("the tile is clamped to the image's short side: square tiles along the long one", () => {
    expect(planTiling(30, 100, 64, 16)).toEqual({
      tile: 30,
      size: [30, 30],
      overlap: 16,
      ys: [0],
      xs: [0, 14, 28, 42, 56, 70],
    });
    expect(planTiling(20, 20, 64, 8)).toEqual({ tile: 20, size: [20, 20], overlap: 8, ys: [0], xs: [0] });
  });
  it("an overlap not below the clamped tile becomes half of it (SwinIR would leave pixels uncovered)", () => {
    expect(planTiling(10, 25, 64, 32)).toEqual({ tile: 10, size: [10, 10], overlap: 5, ys: [0], xs: [0, 5, 10, 15] });
  });
  it("rejects impossible options with a sentence", () => {
    expect(() => planTiling(10, 10, 0)).toThrow(/tile 0 is not a positive integer/);
    expect(() => planTiling(10, 10, 8, 8)).toThrow(/overlap 8 must be an integer from 0 to tile - 1 \(7\)/);
    expect(() => planTiling(10, 10, 8, -1)).toThrow(/overlap -1/);
  });
});

describe("runTiled stitching", () => {
  const cases = [
    { name: "identity", scale: 1, channels: 3, h: 37, w: 53, tile: 16, overlap: 8 },
    { name: "identity, large overlap", scale: 1, channels: 3, h: 40, w: 35, tile: 13, overlap: 11 },
    { name: "nearest x2", scale: 2, channels: 3, h: 37, w: 53, tile: 16, overlap: 4 },
    { name: "nearest x4 gray", scale: 4, channels: 1, h: 29, w: 23, tile: 12, overlap: 6 },
    { name: "nearest x3, no overlap", scale: 3, channels: 3, h: 20, w: 31, tile: 10, overlap: 0 },
  ];
  // Tiles flush with the border make coverage counts like 3; the float64 sums keep the average of
  // equal values exact whatever the count, so a position-independent model must come out bit-exact.
  for (const c of cases) {
    it(`${c.name}: tiled output equals the untiled output exactly`, () => {
      const input = planes(c.channels, c.h, c.w);
      const whole = runTiled(fakeEngine(c.scale, c.channels), input, c.h, c.w);
      const engine = fakeEngine(c.scale, c.channels);
      const tiled = runTiled(engine, input, c.h, c.w, { tile: c.tile, overlap: c.overlap });
      expect(tiled.planes.length).toBe(c.channels * c.h * c.w * c.scale * c.scale);
      expect(tiled.planes).toEqual(whole.planes);
      expect(engine.sizes).toEqual([`${c.tile}x${c.tile}`]);
    });
  }

  it("8-bit images through a Model: tiled equals untiled, and the tiling is reported", async () => {
    const w = 41;
    const h = 33;
    const data = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 31) % 256);
    const image = { data, width: w, height: h, channels: 3 };
    const whole = await modelFromEngine(fakeEngine(2, 3)).restore(image);
    const tiled = await modelFromEngine(fakeEngine(2, 3)).restore(image, { tile: 12, overlap: 9 });
    expect(tiled.tiling).toEqual({
      tile: 12,
      size: [12, 12],
      overlap: 9,
      ys: [0, 3, 6, 9, 12, 15, 18, 21],
      xs: expect.any(Array),
    });
    expect(tiled.image.data).toEqual(whole.image.data);
  });

  it("averages overlapping tiles by their count (a position-dependent model)", () => {
    // Each tile outputs its tile-local column index: with tile 4, overlap 2 on a 1x6 strip the
    // tiles start at 0 and 2, so columns 2 and 3 average (2 + 0) / 2 and (3 + 1) / 2.
    const engine = fakeEngine(1, 1, (_v, x) => x);
    const out = runTiled(engine, new Float32Array(4 * 6), 4, 6, { tile: 4, overlap: 2 });
    expect(out.tiling.xs).toEqual([0, 2]);
    expect(Array.from(out.planes.subarray(0, 6))).toEqual([0, 1, 1, 2, 2, 3]);
  });

  it("reports progress after every tile", () => {
    const calls: string[] = [];
    runTiled(fakeEngine(1, 1), planes(1, 28, 28), 28, 28, {
      tile: 16,
      overlap: 4,
      onProgress: (done, total) => calls.push(`${done}/${total}`),
    });
    expect(calls).toEqual(["1/4", "2/4", "3/4", "4/4"]);
  });
});
