import type { Dim } from "../../ir/graph.js";
import { type Shape, sizeOf, stridesOf } from "../../ir/tensor.js";

/** Numpy-style multidirectional broadcast of concrete shapes; undefined when incompatible. */
export function broadcastShapes(shapes: readonly Shape[]): number[] | undefined {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const k = rank - s.length + i;
      const d = s[i];
      if (out[k] === 1) out[k] = d;
      else if (d !== 1 && d !== out[k]) return undefined;
    }
  }
  return out;
}

/** The same rule over symbolic dims: equal names broadcast, unknowns stay unknown. */
export function broadcastDims(shapes: readonly (readonly Dim[])[]): Dim[] | undefined {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<Dim>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const k = rank - s.length + i;
      const d = s[i];
      if (out[k] === 1) out[k] = d;
      else if (d === 1 || d === out[k]) continue;
      else if (typeof d === "number" && typeof out[k] === "number") return undefined;
      else out[k] = typeof d === "number" ? d : typeof out[k] === "number" ? out[k] : null;
    }
  }
  return out;
}

/**
 * For an output of shape `out`, the flat index into an input of shape `s` broadcast against it,
 * as a function of the output's flat index. Precomputed per input for speed.
 */
export function broadcastIndexer(s: Shape, out: Shape): (i: number) => number {
  const n = sizeOf(out);
  if (sizeOf(s) === n && s.length === out.length) return (i) => i;
  if (sizeOf(s) === 1) return () => 0;
  const map = new Int32Array(n);
  const inStrides = stridesOf(s);
  const rank = out.length;
  const offset = rank - s.length;
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let j = 0;
    for (let k = offset; k < rank; k++) {
      if (s[k - offset] !== 1) j += idx[k] * inStrides[k - offset];
    }
    map[i] = j;
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k] < out[k]) break;
      idx[k] = 0;
    }
  }
  return (i) => map[i];
}
