import type { FnDecl } from "./artifact.js";

/**
 * Static arena placement, TFLite Micro's greedy-by-size planner: buffers sorted by size (largest
 * first, then by index) each take the lowest 16-byte-aligned offset that overlaps no already placed
 * buffer whose live range [first, last] (kernel indices, inclusive) intersects its own.
 * The compiler's reference is compiler/plan/memory.ts; the artifacts run the same algorithm at
 * prepare time (sizes depend on the input's h and w) with the ES5 twin below, and a test holds the
 * two to identical placements.
 */

export { ARENA_ALIGN, type Placement, placeBuffers } from "../../compiler/plan/memory.js";

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
