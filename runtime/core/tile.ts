import type { Engine } from "./engine.js";
import { QmcRuntimeError } from "./errors.js";
import { defaultTileOf, fixedSizeOf } from "./meta.js";

export interface TileOptions {
  /** Side of the square tiles in input pixels; absent: meta.tile (fitted to a memory budget), else the whole image in one run. */
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
  /** Height and width of each run's input: the tile, the whole image, or the artifact's fixed size. */
  readonly size: readonly [number, number];
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
export function planTiling(h: number, w: number, tile?: number, overlap = 0, fixed: FixedSize = ANY_SIZE): Tiling {
  if (fixed.h !== null || fixed.w !== null) return fixedTiling(h, w, fixed, tile, overlap);
  if (tile === undefined) return { tile: null, size: [h, w], overlap: 0, ys: [0], xs: [0] };
  checkTile(tile, overlap);
  const t = Math.min(tile, h, w);
  const o = overlap < t ? overlap : Math.floor(t / 2);
  return { tile: t, size: [t, t], overlap: o, ys: positions(h, t, o), xs: positions(w, t, o) };
}

/** The input height and width an artifact was compiled for (meta.input_size); null where any size runs. */
export interface FixedSize {
  readonly h: number | null;
  readonly w: number | null;
}

const ANY_SIZE: FixedSize = { h: null, w: null };

/**
 * An artifact compiled for a fixed input size runs tiles of exactly that size along its fixed axes
 * (along a free one, the requested tile or the whole side), placed as SwinIR places them. An image
 * smaller than the fixed size cannot be covered and is refused.
 */
function fixedTiling(h: number, w: number, fixed: FixedSize, tile: number | undefined, overlap: number): Tiling {
  if (tile !== undefined) checkTile(tile, overlap);
  const th = fixed.h ?? (tile === undefined ? h : Math.min(tile, h));
  const tw = fixed.w ?? (tile === undefined ? w : Math.min(tile, w));
  if (h < th || w < tw) {
    throw new QmcRuntimeError(
      `the artifact was compiled for ${fixed.h ?? "any"}x${fixed.w ?? "any"} inputs (meta.input_size) and tiles larger images; this image is ${h}x${w}, smaller: compile the model with --size ${h}x${w}, or from an export with dynamic height and width`,
    );
  }
  const tiled = (th < h && overlap >= th) || (tw < w && overlap >= tw);
  if (!Number.isInteger(overlap) || overlap < 0 || tiled) {
    throw new QmcRuntimeError(
      `overlap ${overlap} must be an integer from 0 to ${Math.min(th, tw) - 1} (the tile's side - 1)`,
    );
  }
  return {
    tile: th === tw ? th : null,
    size: [th, tw],
    overlap,
    ys: positions(h, th, overlap),
    xs: positions(w, tw, overlap),
  };
}

function checkTile(tile: number, overlap: number): void {
  if (!Number.isInteger(tile) || tile < 1) throw new QmcRuntimeError(`tile ${tile} is not a positive integer`);
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= tile) {
    throw new QmcRuntimeError(`overlap ${overlap} must be an integer from 0 to tile - 1 (${tile - 1})`);
  }
}

/** Origins along a side of n pixels: every t - o, then flush with the end. */
function positions(n: number, t: number, o: number): number[] {
  const list: number[] = [];
  for (let p = 0; p < n - t; p += t - o) list.push(p);
  list.push(n - t);
  return list;
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
  const { channels, scale } = engine.meta;
  const tile = options.tile ?? defaultTileOf(engine.meta);
  const tiling = planTiling(h, w, tile, options.overlap ?? 0, fixedSizeOf(engine.meta));
  if (tiling.size[0] === h && tiling.size[1] === w) {
    engine.prepare(h, w);
    engine.input().set(planes);
    engine.run();
    const out = engine.output().slice();
    options.onProgress?.(1, 1);
    return { planes: out, tiling };
  }
  const [th, tw] = tiling.size;
  const ths = th * scale;
  const tws = tw * scale;
  const oh = h * scale;
  const ow = w * scale;
  const sum = new Float64Array(channels * oh * ow);
  const count = new Uint32Array(oh * ow);
  const total = tiling.ys.length * tiling.xs.length;
  let done = 0;
  engine.prepare(th, tw);
  for (const y of tiling.ys) {
    for (const x of tiling.xs) {
      const input = engine.input();
      for (let c = 0; c < channels; c++) {
        for (let r = 0; r < th; r++) {
          const from = c * h * w + (y + r) * w + x;
          input.set(planes.subarray(from, from + tw), (c * th + r) * tw);
        }
      }
      engine.run();
      const output = engine.output();
      for (let c = 0; c < channels; c++) {
        for (let r = 0; r < ths; r++) {
          const row = c * oh * ow + (y * scale + r) * ow + x * scale;
          const tileRow = (c * ths + r) * tws;
          for (let k = 0; k < tws; k++) sum[row + k] += output[tileRow + k];
        }
      }
      for (let r = 0; r < ths; r++) {
        const row = (y * scale + r) * ow + x * scale;
        for (let k = 0; k < tws; k++) count[row + k]++;
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
