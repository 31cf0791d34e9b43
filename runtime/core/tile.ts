import type { Engine } from "./engine.js";
import { QmcRuntimeError } from "./errors.js";

export interface TileOptions {
  /** Side of the square tiles in input pixels; absent: the whole image in one run. */
  readonly tile?: number;
  /** Input pixels shared by neighbouring tiles (default 0). */
  readonly overlap?: number;
  /** Called after each run with the tiles done so far and the tile count. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * How an image was cut. DlsQuant statistics are taken per run, so a tiled result differs from an
 * untiled one: the tiling is part of the result and is reported with it.
 */
export interface Tiling {
  /** The side actually run (the requested tile clamped to the image), or null for one whole-image run. */
  readonly tile: number | null;
  /** The overlap actually used. */
  readonly overlap: number;
  /** Top rows and left columns of the tiles, in input pixels; tiles run row by row. */
  readonly ys: readonly number[];
  readonly xs: readonly number[];
}

/**
 * Tile positions as SwinIR's tiled `test()` (main_test_swinir.py, the BasicSR-family reference)
 * computes them: the tile is `min(tile, h, w)`, the stride `tile - overlap`, positions
 * `range(0, n - tile, stride) + [n - tile]` along each side, so the last tile sits flush with the
 * border. Where that code breaks (an image side not longer than the overlap makes the stride zero or
 * negative and leaves pixels uncovered), the overlap becomes half the clamped tile.
 */
export function planTiling(h: number, w: number, tile?: number, overlap = 0): Tiling {
  if (tile === undefined) return { tile: null, overlap: 0, ys: [0], xs: [0] };
  if (!Number.isInteger(tile) || tile < 1) throw new QmcRuntimeError(`tile ${tile} is not a positive integer`);
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= tile) {
    throw new QmcRuntimeError(`overlap ${overlap} must be an integer from 0 to tile - 1 (${tile - 1})`);
  }
  const t = Math.min(tile, h, w);
  const o = overlap < t ? overlap : Math.floor(t / 2);
  const positions = (n: number) => {
    const list: number[] = [];
    for (let p = 0; p < n - t; p += t - o) list.push(p);
    list.push(n - t);
    return list;
  };
  return { tile: t, overlap: o, ys: positions(h), xs: positions(w) };
}

/**
 * Runs an engine over float32 planes (C x h x w) and returns its output planes
 * (C x h*scale x w*scale). Tiled outputs are summed and divided by how many tiles covered each pixel
 * (E.add_, E.div_(W) in the PyTorch reference). The sums are float64, not float32 as there, so each
 * average is rounded once: where tiles agree (a position-independent model) the average equals
 * their value exactly, and elsewhere it differs from the float32 reference by at most an ulp or so.
 */
export function runTiled(
  engine: Engine,
  planes: Float32Array,
  h: number,
  w: number,
  options: TileOptions = {},
): { planes: Float32Array; tiling: Tiling } {
  const tiling = planTiling(h, w, options.tile, options.overlap ?? 0);
  const { channels, scale } = engine.meta;
  if (tiling.tile === null) {
    engine.prepare(h, w);
    engine.input().set(planes);
    engine.run();
    const out = engine.output().slice();
    options.onProgress?.(1, 1);
    return { planes: out, tiling };
  }
  const t = tiling.tile;
  const ts = t * scale;
  const oh = h * scale;
  const ow = w * scale;
  const sum = new Float64Array(channels * oh * ow);
  const count = new Uint32Array(oh * ow);
  const total = tiling.ys.length * tiling.xs.length;
  let done = 0;
  engine.prepare(t, t);
  for (const y of tiling.ys) {
    for (const x of tiling.xs) {
      const input = engine.input();
      for (let c = 0; c < channels; c++) {
        for (let r = 0; r < t; r++) {
          const from = c * h * w + (y + r) * w + x;
          input.set(planes.subarray(from, from + t), (c * t + r) * t);
        }
      }
      engine.run();
      const output = engine.output();
      for (let c = 0; c < channels; c++) {
        for (let r = 0; r < ts; r++) {
          const row = c * oh * ow + (y * scale + r) * ow + x * scale;
          const tileRow = (c * ts + r) * ts;
          for (let k = 0; k < ts; k++) sum[row + k] += output[tileRow + k];
        }
      }
      for (let r = 0; r < ts; r++) {
        const row = (y * scale + r) * ow + x * scale;
        for (let k = 0; k < ts; k++) count[row + k]++;
      }
      options.onProgress?.(++done, total);
    }
  }
  const out = new Float32Array(sum.length);
  for (let c = 0; c < channels; c++) {
    const plane = c * oh * ow;
    for (let i = 0; i < oh * ow; i++) out[plane + i] = sum[plane + i] / count[i];
  }
  return { planes: out, tiling };
}
