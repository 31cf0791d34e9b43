import type { FnDecl } from "./artifact.js";

/**
 * Static arena placement, TFLite Micro's greedy-by-size planner: buffers sorted by size (largest
 * first, then by index) each take the lowest 16-byte-aligned offset that overlaps no already placed
 * buffer whose live range [first, last] (kernel indices, inclusive) intersects its own.
 * The artifacts run the same algorithm at prepare time (sizes depend on the input's h and w): the
 * ES5 twin below is the one they embed, and a test holds the two to identical placements.
 */

export const ARENA_ALIGN = 16;

export interface Placement {
  readonly offsets: number[];
  readonly total: number;
}

function alignUp(n: number): number {
  return Math.ceil(n / ARENA_ALIGN) * ARENA_ALIGN;
}

export function placeBuffers(sizes: readonly number[], ranges: readonly (readonly [number, number])[]): Placement {
  const order = sizes.map((_, i) => i).sort((a, b) => sizes[b] - sizes[a] || a - b);
  const offsets = new Array<number>(sizes.length).fill(0);
  const placed: number[] = [];
  let total = 0;
  for (const i of order) {
    const [first, last] = ranges[i];
    const rivals = placed
      .filter((j) => ranges[j][0] <= last && first <= ranges[j][1])
      .sort((a, b) => offsets[a] - offsets[b] || a - b);
    let offset = 0;
    for (const j of rivals) {
      if (offset + sizes[i] <= offsets[j]) break;
      offset = Math.max(offset, alignUp(offsets[j] + sizes[j]));
    }
    offsets[i] = offset;
    total = Math.max(total, offset + sizes[i]);
    placed.push(i);
  }
  return { offsets, total: alignUp(total) };
}

/**
 * The same placement in ES5 for the artifacts, which embed it: sizes in bytes and the first and last
 * use of each buffer in; the offsets and the total (multiples of 16) out.
 */
export const PLACE_BUFFERS_ES5: FnDecl = {
  name: "placeBuffers",
  params: [
    { name: "sizes", type: "number[]" },
    { name: "firsts", type: "number[]" },
    { name: "lasts", type: "number[]" },
  ],
  returns: "{ offsets: number[]; total: number }",
  body: `
var n = sizes.length;
var order = new Array(n);
var offsets = new Array(n);
var placed = new Array(0);
var total = 0;
var i, j, k, at, offset, rivals;
for (i = 0; i < n; i++) {
  order[i] = i;
  offsets[i] = 0;
}
order.sort(function (a, b) {
  return sizes[b] - sizes[a] || a - b;
});
for (k = 0; k < n; k++) {
  i = order[k];
  rivals = new Array(0);
  for (j = 0; j < placed.length; j++) {
    at = placed[j];
    if (firsts[at] <= lasts[i] && firsts[i] <= lasts[at]) rivals.push(at);
  }
  rivals.sort(function (a, b) {
    return offsets[a] - offsets[b] || a - b;
  });
  offset = 0;
  for (j = 0; j < rivals.length; j++) {
    at = rivals[j];
    if (offset + sizes[i] <= offsets[at]) break;
    offset = Math.max(offset, Math.ceil((offsets[at] + sizes[at]) / 16) * 16);
  }
  offsets[i] = offset;
  total = Math.max(total, offset + sizes[i]);
  placed.push(i);
}
return { offsets: offsets, total: Math.ceil(total / 16) * 16 };
`,
};
