/**
 * Static memory planning, TFLite Micro's greedy-by-size: buffers sorted by size (largest first, then
 * by id for determinism), each placed at the lowest 16-byte-aligned offset where it overlaps no
 * already-placed buffer whose live range intersects its own. The artifacts run the same algorithm
 * in qmc_prepare(h, w) for the actual sizes; the compiler runs it for reports.
 */
export interface Placement {
  readonly offsets: readonly number[];
  readonly total: number;
}

export const ARENA_ALIGN = 16;

export function placeBuffers(bytes: readonly number[], ranges: readonly (readonly [number, number])[]): Placement {
  const order = bytes.map((_, i) => i).sort((a, b) => bytes[b] - bytes[a] || a - b);
  const offsets = new Array<number>(bytes.length).fill(0);
  const placed: number[] = [];
  let total = 0;
  for (const i of order) {
    const conflicts = placed
      .filter((j) => ranges[j][0] <= ranges[i][1] && ranges[i][0] <= ranges[j][1])
      .sort((a, b) => offsets[a] - offsets[b] || a - b);
    let offset = 0;
    for (const j of conflicts) {
      if (offset + bytes[i] <= offsets[j]) break;
      offset = Math.max(offset, align(offsets[j] + bytes[j]));
    }
    offsets[i] = offset;
    placed.push(i);
    total = Math.max(total, offset + bytes[i]);
  }
  return { offsets, total: align(total) };
}

/** The lower bound any plan must reach: the largest sum of sizes live at one kernel. */
export function peakLiveBytes(bytes: readonly number[], ranges: readonly (readonly [number, number])[]): number {
  const steps = Math.max(0, ...ranges.map((r) => r[1])) + 1;
  let peak = 0;
  for (let t = 0; t < steps; t++) {
    let live = 0;
    for (let i = 0; i < bytes.length; i++) if (ranges[i][0] <= t && t <= ranges[i][1]) live += bytes[i];
    peak = Math.max(peak, live);
  }
  return peak;
}

function align(n: number): number {
  return Math.ceil(n / ARENA_ALIGN) * ARENA_ALIGN;
}
