import { describe, expect, it } from "vitest";
import { ARENA_ALIGN, peakLiveBytes, placeBuffers } from "../compiler/plan/memory.js";
import { rng } from "./support/random.js";

describe("greedy-by-size arena placement", () => {
  it("never overlaps two buffers whose live ranges intersect, and aligns every offset", () => {
    const r = rng(11);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(r() * 30);
      const bytes = Array.from({ length: n }, () => 1 + Math.floor(r() * 5000));
      const ranges = Array.from({ length: n }, () => {
        const a = Math.floor(r() * 40);
        return [a, a + Math.floor(r() * 10)] as const;
      });
      const { offsets, total } = placeBuffers(bytes, ranges);
      for (let i = 0; i < n; i++) {
        expect(offsets[i] % ARENA_ALIGN).toBe(0);
        expect(offsets[i] + bytes[i]).toBeLessThanOrEqual(total);
        for (let j = i + 1; j < n; j++) {
          const live = ranges[i][0] <= ranges[j][1] && ranges[j][0] <= ranges[i][1];
          const disjoint = offsets[i] + bytes[i] <= offsets[j] || offsets[j] + bytes[j] <= offsets[i];
          if (live) expect(disjoint).toBe(true);
        }
      }
      expect(total).toBeGreaterThanOrEqual(peakLiveBytes(bytes, ranges));
    }
  });

  it("reuses the memory of dead buffers: a chain needs only two buffers' room", () => {
    const bytes = [64, 64, 64, 64, 64];
    const ranges = bytes.map((_, i) => [i, i + 1] as const);
    expect(placeBuffers(bytes, ranges).total).toBe(128);
    expect(peakLiveBytes(bytes, ranges)).toBe(128);
  });
});
